import { existsSync } from "node:fs";
import { resolve } from "node:path";

interface FakeTest {
  readonly path: string;
  readonly context: { readonly config: { readonly cache: boolean }; readonly hasteFS: object };
  duration?: number;
}
interface Sequencer {
  sort(tests: FakeTest[]): FakeTest[];
  _cache: Map<object, Record<string, [number, number]>>;
}
// The sequencer is the CommonJS module jest loads (jest.config.js names it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LongSuitesFirst = require("../support/long-suites-first") as {
  new (options: object): Sequencer;
  LONGEST_FIRST: readonly string[];
};

const root = resolve(__dirname, "../..");
/** Test files of one project, each with a size (jest's order when it knows no durations). */
function files(sizes: Record<string, number>) {
  const context = { config: { cache: false }, hasteFS: { getSize: (path: string) => sizes[path] } };
  return { context, tests: Object.keys(sizes).map((path): FakeTest => ({ path, context })) };
}
const [longest, second] = LongSuitesFirst.LONGEST_FIRST.map((suffix) => `${root}/${suffix}`);
const big = `${root}/__tests__/unit/big.test.ts`;
const small = `${root}/__tests__/unit/small.test.ts`;

test("every suite it starts first exists (a renamed one would silently lose its place)", () => {
  for (const suffix of LongSuitesFirst.LONGEST_FIRST) expect(existsSync(resolve(root, suffix))).toBe(true);
});

test("with no durations from an earlier run, the long suites start first, in their order; the rest by size", () => {
  const { tests } = files({ [small]: 10, [second]: 20, [big]: 90_000, [longest]: 30 });
  expect(new LongSuitesFirst({}).sort(tests).map((t) => t.path)).toEqual([longest, second, big, small]);
});

test("with durations from an earlier run, jest's own order (longest first) stands", () => {
  const { context, tests } = files({ [longest]: 30, [big]: 90_000, [small]: 10 });
  const sequencer = new LongSuitesFirst({});
  sequencer._cache.set(context, { [longest]: [0, 1_000], [big]: [0, 9_000], [small]: [0, 5_000] });
  expect(sequencer.sort(tests).map((t) => t.path)).toEqual([big, small, longest]);
});
