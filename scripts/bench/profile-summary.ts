/**
 * Self time by area from V8 CPU profiles (`node --cpu-prof`): where the local runtime spends its
 * cores. `tsx scripts/bench/profile-summary.ts DIR` prints one table per profile (the benchmark's
 * own process and the database process) and, for the runtime's, its time by caller;
 * `npm run bench:local -- --profile DIR` writes the profiles and prints this.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly parent?: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Areas in the order they are tried; the first whose test matches a frame takes its self time. */
const AREAS: readonly [area: string, matches: (url: string, fn: string) => boolean][] = [
  ["idle", (_u, fn) => fn === "(idle)"],
  ["garbage collection", (_u, fn) => fn === "(garbage collector)"],
  ["bundled handlers (their code and the AWS SDK in them)", (u) => u.includes("/dist/lambdas/")],
  [
    "dynalite and LevelDB",
    (u) =>
      /node_modules\/(dynalite|levelup|leveldown|memdown|abstract-leveldown|level-|lazy|encoding-down|deferred-leveldown|big\.js|once|buffer-crc32)/.test(
        u,
      ),
  ],
  ["DynamoDB front (locks, transactions, change feed, meter)", (u) => /\/local\/(dynamodb|meter)\//.test(u)],
  [
    "workflow interpreter (aws-local-stepfunctions)",
    (u) => /aws-local-stepfunctions|jsonpath|asl-validator/.test(u),
  ],
  [
    "local workflow and event services",
    (u) => /\/local\/(sfn|eventbridge|sqs|pipes|sns|scheduler)\//.test(u),
  ],
  ["local IAM", (u) => u.includes("/local/iam/")],
  ["console feed", (u) => u.includes("/local/console/")],
  [
    "API Gateway twin and sign-in (jose)",
    (u) => /\/local\/(apigateway|cognito|admin)\/|node_modules\/jose/.test(u),
  ],
  [
    "AWS SDK outside the bundles (the runtime's own clients)",
    (u) => /node_modules\/(@aws-sdk|@smithy|@aws-crypto)/.test(u),
  ],
  ["other local runtime code", (u) => u.includes("/local/")],
  [
    "fetch (undici): the outbox's change-feed reads, the benchmark's clients",
    (u) => /scripts\/bench|undici/.test(u),
  ],
  [
    "HTTP and sockets (Node)",
    (u) => /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|dns))/.test(u),
  ],
  ["JSON", (_u, fn) => fn === "parse" || fn === "stringify"],
  ["tsx (loading TypeScript)", (u) => /node_modules\/(tsx|esbuild)/.test(u)],
  ["other Node internals", (u) => u.startsWith("node:")],
  ["native and unattributed", () => true],
];

export interface AreaTime {
  readonly area: string;
  readonly ms: number;
}

/** Self time (ms) of each area in one profile, largest first. */
export function selfTimeByArea(profile: CpuProfile): AreaTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000),
  );
  const totals = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const { url, functionName } = byId.get(id)!.callFrame;
    const area = AREAS.find(([, matches]) => matches(url, functionName))![0];
    totals.set(area, (totals.get(area) ?? 0) + ms);
  }
  return [...totals].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms);
}

/** Who a frame belongs to, for time by caller: a handler's bundle, a local service, a package. */
function callerOf(url: string): string | undefined {
  const handler = /\/dist\/lambdas\/([^/]+)\//.exec(url);
  if (handler) return `handler ${handler[1]}`;
  const service = /\/local\/([^/]+)\//.exec(url);
  if (service) return `local ${service[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency && !/^(tsx|esbuild)$/.test(dependency[1])) return `package ${dependency[1]}`;
  return undefined;
}

/**
 * Time (ms) by caller: each sample charged to the innermost frame on its stack that is a handler,
 * a local service or a package, so Node's own work (HTTP, sockets, crypto) counts for whoever
 * asked for it. Async continuations start a new stack, so some of it stays with Node.
 */
export function timeByCaller(profile: CpuProfile): AreaTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const callerOfNode = new Map<number, string>();
  const caller = (id: number): string => {
    const known = callerOfNode.get(id);
    if (known) return known;
    const { functionName } = byId.get(id)!.callFrame;
    let found = /^\((idle|garbage collector|program)\)$/.test(functionName) ? functionName : undefined;
    for (let at: number | undefined = id; !found && at !== undefined; at = parentOf.get(at)) {
      found = callerOf(byId.get(at)!.callFrame.url);
    }
    const result =
      found === "(idle)" ? "idle" : (found ?? `Node, no caller of ours: ${functionName || "(anonymous)"}`);
    callerOfNode.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const who = caller(id);
    totals.set(who, (totals.get(who) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms);
}

export function summaryTable(
  title: string,
  areas: readonly AreaTime[],
  heading = "| area | self time | share of busy |",
  maxRows = Number.POSITIVE_INFINITY,
): string {
  const busy = areas.filter((a) => a.area !== "idle").reduce((sum, a) => sum + a.ms, 0);
  const rows = areas
    .filter((a) => a.area !== "idle" && a.ms >= busy * 0.005)
    .slice(0, maxRows)
    .map((a) => `| ${a.area} | ${(a.ms / 1000).toFixed(2)} s | ${((a.ms / busy) * 100).toFixed(1)} % |`);
  const idle = areas.find((a) => a.area === "idle")?.ms ?? 0;
  return [
    `\n${title}: ${(busy / 1000).toFixed(1)} s busy, ${(idle / 1000).toFixed(1)} s idle`,
    heading,
    "|---|---:|---:|",
    ...rows,
  ].join("\n");
}

/**
 * When the measured load ran, in the clock of the profiles' timestamps (microseconds of the
 * monotonic clock, `process.hrtime`, which every process on the machine shares).
 */
export interface LoadWindow {
  readonly startUs: number;
  readonly endUs: number;
}

/** The file beside the profiles where the benchmark writes its load run's window. */
export const LOAD_WINDOW_FILE = "load-run.json";

/** The profile's samples taken inside the window: start-up, warm-up and shutdown left out. */
export function withinWindow(profile: CpuProfile, window: LoadWindow): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.startUs || at >= window.endUs) return;
    samples.push(id);
    timeDeltas.push(delta);
  });
  return {
    ...profile,
    samples,
    timeDeltas,
    startTime: Math.max(profile.startTime, window.startUs),
    endTime: Math.min(profile.endTime, window.endUs),
  };
}

function loadWindowOf(dir: string): LoadWindow | undefined {
  const file = join(dir, LOAD_WINDOW_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LoadWindow) : undefined;
}

/** Whose a profile is: `node --cpu-prof` names it CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile. */
function whoseProfile(file: string, areas: readonly AreaTime[], handlers: boolean): string {
  if (handlers) return "runtime process, main thread";
  if (areas.some((a) => a.area.startsWith("dynalite") && a.ms > 0)) return "database process";
  const thread = file.split(".")[4];
  if (!thread || thread === "0") return "a process";
  return areas.some((a) => a.area.startsWith("fetch"))
    ? `worker thread ${thread} (the load clients)`
    : `worker thread ${thread}`;
}

/**
 * The profiles in a directory with more than a second of samples (the tsx launcher is left out),
 * cut to the load run when the benchmark wrote its window beside them.
 */
export function summarizeDirectory(dir: string): string {
  const window = loadWindowOf(dir);
  const tables: string[] = [
    window
      ? `\nProfiles cut to the load run (${((window.endUs - window.startUs) / 1e6).toFixed(1)} s): start-up, warm-up and the one-client run left out.`
      : "\nWhole profiles, start-up included.",
  ];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()) {
    const whole = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const profile = window ? withinWindow(whole, window) : whole;
    if (profile.endTime - profile.startTime < 1_000_000) continue;
    const areas = selfTimeByArea(profile);
    // Threads that only waited (tsx's loader, an earlier run's clients) say nothing.
    if (areas.every((a) => a.area === "idle" || a.ms < 100)) continue;
    const handlers = areas.some((a) => a.area.startsWith("bundled handlers"));
    tables.push(summaryTable(`${whoseProfile(file, areas, handlers)} (${file})`, areas));
    if (handlers) {
      tables.push(
        summaryTable(
          "the same, by caller",
          timeByCaller(profile),
          "| caller (handler, local service, package) | time | share of busy |",
          16,
        ),
      );
    }
  }
  return tables.join("\n");
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("Usage: tsx scripts/bench/profile-summary.ts <directory of .cpuprofile files>\n");
    process.exit(2);
  }
  process.stdout.write(`${summarizeDirectory(dir)}\n`);
}
