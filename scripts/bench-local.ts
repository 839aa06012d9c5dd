/**
 * `npm run bench:local`: pushes N orders (default 600) from C concurrent clients (default 32)
 * through the local order system, and reports orders/second end to end (POST until the "order
 * confirmed" notification) with p50/p95/p99 latency. Every order must end CONFIRMED: none lost.
 *
 * The clients run in a worker thread, as a storefront runs outside the runtime's process. The
 * baseline is measured in the same run: one client placing orders one at a time, and with
 * `--baseline <git rev>` the same load against the runtime of that commit (a worktree with its own
 * bundles), the two alternating. `--profile <dir>` writes CPU profiles of the runtime's and the
 * database's processes (`node --cpu-prof`) and prints their self time by area (and the runtime's time
 * by caller) during the load run alone. Each load run also reports its CPU per order in both processes.
 *
 * `--warm-up W` (default 50) orders go through each runtime before anything is measured: about the
 * first thousand orders after a start take more CPU each (its freshly loaded bundles and database
 * process warming up; docs/BENCHMARKS.md), so a large W measures the warm system and the default
 * the one just started.
 *
 * Usage: npm run bench:local -- [--orders N] [--concurrency C] [--warm-up W] [--baseline REV]
 *   [--rounds R] [--profile DIR] [any option of npm start, e.g. --no-iam]
 */
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { LocalOrderSystem, LocalRuntimeOptions } from "../local/order-system";
import { optionFor, parseCommandLine, UsageError, wholeNumber } from "../local/options";
import { cpuPerOrder, cpuSnapshot, ordersPerSecondBound, type CpuPerOrder } from "./bench/cpu";
import type { LoadClientsData, LoadMessage } from "./bench/load-clients";
import { LOAD_WINDOW_FILE, summarizeDirectory, type LoadWindow } from "./bench/profile-summary";
import { machine, median, percentile } from "./bench/stats";

const ROOT = resolve(__dirname, "..");
const OWN_OPTIONS = ["orders", "concurrency", "warm-up", "baseline", "rounds", "profile"];

/**
 * The runtime's own options (the option table's: --no-auth, --no-iam, --workflow-type, …) and the
 * benchmark's, its counts checked as the table checks whole numbers.
 */
function commandLine() {
  try {
    // Flags only, not the environment: a run is reproduced from its command line.
    const command = parseCommandLine(process.argv.slice(2), {}, OWN_OPTIONS);
    if (command.help) {
      process.stdout.write(
        "Usage: npm run bench:local -- [--orders N] [--concurrency C] [--warm-up W] [--baseline REV] [--rounds R] [--profile DIR] [runtime options, as npm start]\n",
      );
      process.exit(0);
    }
    const count = (name: string, fallback: number, min: number) => {
      const text = command.own[name];
      return typeof text === "string" ? wholeNumber(min)(text, `--${name}`) : fallback;
    };
    return {
      ...command,
      orders: count("orders", 600, 1),
      concurrency: count("concurrency", 32, 1),
      warmUp: count("warm-up", 50, 0),
      rounds: count("rounds", 2, 1),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
const {
  values: runtimeOptions,
  own,
  orders: ORDERS,
  concurrency: CONCURRENCY,
  warmUp: WARM_UP,
  rounds: ROUNDS,
} = commandLine();
const PRODUCTS = ["SKU-1001", "SKU-1002", "SKU-1005", "SKU-1007", "SKU-1008"];

interface RunResult {
  readonly label: string;
  readonly orders: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly lost: number;
  /** CPU of the load clients' thread (not the system's work), ms. */
  readonly clientsMs: number;
  readonly cpu?: CpuPerOrder;
}

/** Set by --profile for the profiled run: where it writes its load run's window. */
const LOAD_WINDOW_ENV = "BENCH_LOAD_WINDOW_FILE";
/** The clock of the CPU profiles' timestamps. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** The load generator's file (a worker thread; TypeScript through the tsx hook the worker inherits). */
const LOAD_CLIENTS = join(__dirname, "bench", "load-clients.ts");

const now = () => performance.timeOrigin + performance.now();

async function run(
  system: LocalOrderSystem,
  label: string,
  orders: number,
  concurrency: number,
): Promise<RunResult> {
  const placedAt = new Map<string, number>();
  const confirmedAt = new Map<string, number>();
  // Signed-in customers, as deployed: each request's token is verified by the local authorizer.
  const auth = system.auth;
  const tokens = auth
    ? await Promise.all(Array.from({ length: 50 }, (_, i) => auth.issueIdToken(`bench${i}@example.com`)))
    : [];
  system.notifications.onPublish((n) => {
    const orderId = /^Order (\S+) confirmed$/.exec(n.subject)?.[1];
    if (orderId && !confirmedAt.has(orderId)) confirmedAt.set(orderId, now());
  });
  const start = now();
  const workerData: LoadClientsData = { url: system.url, orders, concurrency, tokens, products: PRODUCTS };
  const worker = new Worker(LOAD_CLIENTS, { workerData });
  const clientsMs = await new Promise<number>((done, fail) => {
    worker.on("message", (m: LoadMessage) => {
      if ("orderId" in m) placedAt.set(m.orderId, m.t0);
      else if ("error" in m) fail(new Error(m.error));
      else done(m.cpuMs);
    });
    worker.on("error", fail);
  });
  await worker.terminate();
  const deadline = Date.now() + 120_000;
  const finished = () => [...placedAt.keys()].filter((id) => confirmedAt.has(id)).length;
  while (finished() < orders && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const latencies = [...placedAt].flatMap(([id, t0]) =>
    confirmedAt.has(id) ? [confirmedAt.get(id)! - t0] : [],
  );
  const end = Math.max(...confirmedAt.values(), start);
  return {
    label,
    orders,
    seconds: (end - start) / 1000,
    latencies,
    lost: orders - latencies.length,
    clientsMs,
  };
}

/** Gives the benchmarked products ample stock, so each order can end CONFIRMED. */
async function stockUp(system: LocalOrderSystem): Promise<void> {
  const dynamodb = new DynamoDBClient({ endpoint: system.dynamoDbEndpoint });
  for (const productId of PRODUCTS) {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: system.tables.inventory,
        Key: { ProductID: { S: productId } },
        UpdateExpression: "SET stock = :s",
        ExpressionAttributeValues: { ":s": { N: "10000000" } },
      }),
    );
  }
  dynamodb.destroy();
}

/** The runtime of one checkout (this one, or the baseline's worktree), started fresh. */
async function startRuntime(root: string): Promise<LocalOrderSystem> {
  const { startLocalOrderSystem } = (await import(join(root, "local", "order-system.ts"))) as {
    startLocalOrderSystem: (options: LocalRuntimeOptions) => Promise<LocalOrderSystem>;
  };
  const system = await startLocalOrderSystem({ projectRoot: root, ...runtimeOptions, port: 0 });
  await stockUp(system);
  return system;
}

/** One measurement of one checkout: warm-up, the one-client baseline (optional), the load. */
async function measure(root: string, code: string, sequential: boolean): Promise<RunResult[]> {
  const system = await startRuntime(root);
  try {
    if (WARM_UP > 0) {
      // The default's 50 at 10 clients, as earlier figures were measured; a long warm-up at full load.
      await run(system, "warm-up", WARM_UP, WARM_UP > 50 ? CONCURRENCY : Math.min(10, CONCURRENCY));
      await system.settled();
    }
    const results: RunResult[] = [];
    if (sequential) {
      const orders = Math.max(20, ORDERS / 20);
      results.push(await run(system, `${code}, 1 client`, orders, 1));
      await system.settled();
    }
    system.meter.reset();
    const before = cpuSnapshot(system.databasePid());
    const startUs = monotonicUs();
    const load = await run(system, `${code}, ${CONCURRENCY} clients`, ORDERS, CONCURRENCY);
    if (process.env[LOAD_WINDOW_ENV] && root === ROOT) {
      const window: LoadWindow = { startUs, endUs: monotonicUs() };
      writeFileSync(process.env[LOAD_WINDOW_ENV], JSON.stringify(window));
    }
    const cpu = cpuPerOrder(before, cpuSnapshot(system.databasePid()), load.clientsMs, ORDERS);
    results.push({ ...load, cpu });
    await system.settled();
    const { perOrder, services } = system.meter.report();
    const calls = (service: string) => (perOrder[service]?.calls ?? 0).toFixed(2);
    // DynamoDB by operation: where calls beyond the steps' own come from (retries, copies).
    const dynamodb = Object.entries(services.DynamoDB?.operations ?? {})
      .map(([operation, figures]) => `${operation} ${((figures.calls ?? 0) / ORDERS).toFixed(2)}`)
      .join(", ");
    process.stderr.write(
      `${code}: calls per order DynamoDB ${calls("DynamoDB")} (${dynamodb}), Lambda ${calls("Lambda")}, SQS ${calls("SQS")}\n`,
    );
    return results;
  } finally {
    await system.stop();
  }
}

/** A worktree of `rev` beside the cache, with this checkout's node_modules and its own bundles. */
function baselineCheckout(rev: string): string {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const sha = git("rev-parse", "--verify", `${rev}^{commit}`).stdout.trim();
  if (!sha) throw new UsageError(`--baseline: ${rev} is not a commit of this repository`);
  const dir = join(ROOT, "node_modules", ".cache", "bench-baseline", sha.slice(0, 12));
  if (!existsSync(join(dir, "local", "order-system.ts"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, ".."), { recursive: true });
    git("worktree", "prune");
    const added = git("worktree", "add", "--detach", dir, sha);
    if (added.status !== 0) throw new Error(`git worktree add failed: ${added.stderr}`);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  }
  process.stderr.write(`Building the baseline's bundles (${sha.slice(0, 12)})…\n`);
  const built = spawnSync(process.execPath, ["--import", "tsx", "scripts/build-lambdas.ts", "--quiet"], {
    cwd: dir,
    stdio: "inherit",
  });
  if (built.status !== 0) throw new Error("The baseline's bundles did not build");
  return dir;
}

function report(results: readonly RunResult[]): void {
  process.stdout.write(
    `\nbench:local — POST /orders until "order confirmed", ${ORDERS} orders, ${CONCURRENCY} clients in a worker thread, ` +
      `sign-in ${runtimeOptions.apiAuth === "none" ? "off" : "on"}, IAM ${runtimeOptions.iam === false ? `off (${optionFor("iam").flag})` : "enforced"}, ` +
      `after ${WARM_UP} warm-up orders (${machine()})\n`,
  );
  process.stdout.write(
    "| run | orders | orders/s | p50 | p95 | p99 | lost |\n|---|---:|---:|---:|---:|---:|---:|\n",
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.label} | ${r.orders} | ${(r.latencies.length / r.seconds).toFixed(0)} | ${percentile(r.latencies, 50).toFixed(0)} ms | ${percentile(r.latencies, 95).toFixed(0)} ms | ${percentile(r.latencies, 99).toFixed(0)} ms | ${r.lost} |\n`,
    );
  }
  const cores = cpus().length;
  process.stdout.write(
    `\nCPU per order during each load run (the runtime's process without the load clients' thread; the database's from /proc;\n` +
      `the load clients' thread, on the same cores, apart; the bound counts the system only):\n` +
      `| run | runtime process | its main thread busy | database process | load clients | at most, ${cores} cores fully busy |\n|---|---:|---:|---:|---:|---:|\n`,
  );
  for (const { label, cpu } of results) {
    if (!cpu) continue;
    const bound = ordersPerSecondBound(cpu, cores);
    process.stdout.write(
      `| ${label} | ${cpu.runtimeMs.toFixed(1)} ms | ${(cpu.mainThreadBusy * 100).toFixed(0)} % | ${cpu.databaseMs?.toFixed(1) ?? "–"} ms | ${cpu.clientsMs.toFixed(1)} ms | ${bound?.toFixed(0) ?? "–"} orders/s |\n`,
    );
  }
  reportMedians(results);
  if (results.some((r) => r.lost > 0)) {
    process.stdout.write(`\n${results.reduce((n, r) => n + r.lost, 0)} orders did not reach CONFIRMED.\n`);
    process.exitCode = 1;
  }
}

/**
 * With rounds, each code's median over them: one run moves by a tenth or more on a shared machine,
 * so a difference smaller than the rounds' spread says nothing.
 */
function reportMedians(results: readonly RunResult[]): void {
  const rounds = new Map<string, RunResult[]>();
  for (const r of results) if (r.cpu) rounds.set(r.label, [...(rounds.get(r.label) ?? []), r]);
  if (![...rounds.values()].some((runs) => runs.length > 1)) return;
  process.stdout.write(
    "\nMedian of the rounds:\n| run | rounds | orders/s (lowest–highest) | runtime process | database process |\n|---|---:|---:|---:|---:|\n",
  );
  for (const [label, runs] of rounds) {
    const rates = runs.map((r) => r.latencies.length / r.seconds);
    const runtimeMs = median(runs.map((r) => r.cpu!.runtimeMs));
    const databaseMs = runs.every((r) => r.cpu!.databaseMs !== undefined)
      ? `${median(runs.map((r) => r.cpu!.databaseMs!)).toFixed(1)} ms`
      : "–";
    process.stdout.write(
      `| ${label} | ${runs.length} | ${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) | ${runtimeMs.toFixed(1)} ms | ${databaseMs} |\n`,
    );
  }
}

/** Runs this benchmark again under `--cpu-prof` (the database process inherits it), then summarizes. */
function profile(dir: string): void {
  const target = resolve(dir);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const args = process.argv.slice(2).filter((a, i, all) => a !== "--profile" && all[i - 1] !== "--profile");
  // This process's own Node flags (npm run bench:local's young generation, tsx) for the child too.
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...args, "--rounds", "1"], {
    stdio: "inherit",
    // The child runs without --profile: it measures, and every Node process it starts is profiled.
    env: {
      ...process.env,
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${target}`,
      [LOAD_WINDOW_ENV]: join(target, LOAD_WINDOW_FILE),
    },
  });
  process.stdout.write(
    `${summarizeDirectory(target)}\n\nProfiles: ${target} (open them in Chrome DevTools)\n`,
  );
  process.exitCode = child.status ?? 1;
}

async function main(): Promise<void> {
  if (typeof own.profile === "string") return profile(own.profile);
  const baseline = typeof own.baseline === "string" ? baselineCheckout(own.baseline) : undefined;
  const results: RunResult[] = [];
  for (let round = 1; round <= (baseline ? ROUNDS : 1); round++) {
    if (baseline) results.push(...(await measure(baseline, `baseline ${own.baseline}`, false)));
    results.push(...(await measure(ROOT, "this code", round === 1)));
  }
  report(results);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
