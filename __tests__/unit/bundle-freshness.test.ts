import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_ENTRY_FILE, BUNDLE_ROOT, FUNCTIONS } from "../../lambdas/platform/contracts";
import { staleBundles } from "../../scripts/bundle-freshness";

/** A project with one handler source, the build settings, a lock file and every bundle, at given times. */
function project(times: { source: number; settings: number; lock: number; bundles: number }): string {
  const root = mkdtempSync(join(tmpdir(), "bundle-freshness-"));
  const write = (path: string, seconds: number) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "x");
    utimesSync(join(root, path), seconds, seconds);
  };
  write("lambdas/orders/order.ts", times.source);
  write("scripts/bundle.ts", times.settings);
  write("package-lock.json", times.lock);
  for (const spec of FUNCTIONS) write(join(BUNDLE_ROOT, spec.folder, BUNDLE_ENTRY_FILE), times.bundles);
  return root;
}

describe("staleBundles (npm start and the integration tests build only when it names a reason)", () => {
  const roots: string[] = [];
  const make = (times: Parameters<typeof project>[0]) => {
    const root = project(times);
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  test("bundles newer than every input are fresh", () => {
    expect(staleBundles(make({ source: 100, settings: 100, lock: 100, bundles: 200 }))).toBeUndefined();
  });

  test.each([
    ["a handler source", { source: 300, settings: 100, lock: 100, bundles: 200 }],
    ["the build settings", { source: 100, settings: 300, lock: 100, bundles: 200 }],
    ["the lock file (other dependency versions)", { source: 100, settings: 100, lock: 300, bundles: 200 }],
  ])("a change to %s makes them stale", (_, times) => {
    expect(staleBundles(make(times))).toMatch(/is older than the sources/);
  });

  test("a missing bundle is named", () => {
    const root = make({ source: 100, settings: 100, lock: 100, bundles: 200 });
    const missing = join(root, BUNDLE_ROOT, FUNCTIONS[FUNCTIONS.length - 1].folder, BUNDLE_ENTRY_FILE);
    rmSync(missing);
    expect(staleBundles(root)).toBe(`${missing} is missing`);
  });
});
