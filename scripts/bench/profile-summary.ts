/**
 * Self time by area from V8 CPU profiles (`node --cpu-prof`): where the local runtime spends its
 * cores. `tsx scripts/bench/profile-summary.ts DIR` prints one table per profile (the benchmark's
 * own process and the database process) and a total; `npm run bench:local -- --profile DIR` writes
 * the profiles and prints this.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
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

export function summaryTable(title: string, areas: readonly AreaTime[]): string {
  const busy = areas.filter((a) => a.area !== "idle").reduce((sum, a) => sum + a.ms, 0);
  const rows = areas
    .filter((a) => a.area !== "idle" && a.ms >= busy * 0.005)
    .map((a) => `| ${a.area} | ${(a.ms / 1000).toFixed(2)} s | ${((a.ms / busy) * 100).toFixed(1)} % |`);
  const idle = areas.find((a) => a.area === "idle")?.ms ?? 0;
  return [
    `\n${title}: ${(busy / 1000).toFixed(1)} s busy, ${(idle / 1000).toFixed(1)} s idle`,
    "| area | self time | share of busy |",
    "|---|---:|---:|",
    ...rows,
  ].join("\n");
}

/** The profiles in a directory with more than a second of samples (the tsx launcher is left out). */
export function summarizeDirectory(dir: string): string {
  const tables: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    if (profile.endTime - profile.startTime < 1_000_000) continue;
    const areas = selfTimeByArea(profile);
    const database =
      areas.some((a) => a.area.startsWith("dynalite") && a.ms > 0) &&
      !areas.some((a) => a.area.startsWith("bundled handlers"));
    tables.push(summaryTable(`${database ? "database process" : "runtime process"} (${file})`, areas));
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
