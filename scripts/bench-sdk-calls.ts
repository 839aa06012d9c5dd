/**
 * `npm run bench:sdk-calls`: what one AWS SDK call costs the caller's CPU, the floor under the
 * handlers' share of the local runtime's thread. The client is the SDK as the bundles carry it
 * (built with the bundles' own esbuild settings) sending a DynamoDB UpdateItem with a condition, as
 * ProcessPayment does; the server, in a child process, answers at once, so only the caller's work
 * is counted: building, signing and sending the request, reading and parsing the answer.
 *
 * Rows: one copy of the SDK, calls one at a time and 32 in flight (as the benchmark's clients keep);
 * then, 32 in flight, the calls spread over as many separately loaded copies as there are functions
 * (the local runtime loads every bundle, each with its own SDK, into one thread), the one copy again
 * (the fair comparison: shared code is as warm by then), and the same copies each in a worker thread
 * of its own (scripts/bench/sdk-copy.ts), the calls sent to them by message.
 * Usage: npm run bench:sdk-calls -- [calls=4000]
 */
import { build } from "esbuild";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { FUNCTIONS } from "../lambdas/platform/contracts";
import { PRODUCTION } from "./bundle";
import { sdkCopy, type Call, type SdkCopyData } from "./bench/sdk-copy";
import { machine } from "./bench/stats";

const CALLS = Number(process.argv[2] ?? 4000);
const WARM_UP_CALLS = 500;
const ANSWER = JSON.stringify({ Attributes: { orderId: { S: "o-1" }, status: { S: "PAID" } } });

/** The child: an endpoint that answers every request with the same item. */
function serve(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(ANSWER);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.send?.((server.address() as AddressInfo).port));
}

/** The DynamoDB client and command as a handler's bundle has them: minified, tree-shaken, CommonJS. */
async function buildSdkBundle(dir: string): Promise<string> {
  const outfile = join(dir, "sdk.js");
  await build({
    ...PRODUCTION,
    stdin: {
      contents: `export { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";`,
      resolveDir: resolve(__dirname, ".."),
      loader: "ts",
    },
    outfile,
    sourcemap: false,
  });
  return outfile;
}

/** The worker thread's file (TypeScript through the tsx hook the worker inherits). */
const SDK_COPY_WORKER = join(__dirname, "bench", "sdk-copy.ts");

/** Calls spread round-robin over the copies, each loaded in this thread. */
function copiesInThisThread(sdk: SdkCopyData, copies: number): Call {
  const calls = Array.from({ length: copies }, () => sdkCopy(sdk));
  let next = 0;
  return () => calls[next++ % copies]();
}

/** Calls spread round-robin over worker threads, one copy in each, sent and answered by message. */
function copiesInWorkers(sdk: SdkCopyData, copies: number) {
  const waiting = new Map<number, () => void>();
  const workers = Array.from({ length: copies }, () => {
    const worker = new Worker(SDK_COPY_WORKER, { workerData: sdk });
    worker.on("message", (id: number) => {
      waiting.get(id)?.();
      waiting.delete(id);
    });
    return worker;
  });
  let next = 0;
  const call: Call = () =>
    new Promise<void>((answered) => {
      const id = next++;
      waiting.set(id, answered);
      workers[id % copies].postMessage(id);
    });
  return { call, stop: () => Promise.all(workers.map((w) => w.terminate())) };
}

/** One row: the process's CPU per call (all its threads), its main thread's share, wall time. */
async function row(label: string, call: Call, inFlight: number, copies = 1): Promise<string> {
  // JIT and connections: every copy as warm as the single one.
  for (let i = 0; i < WARM_UP_CALLS * copies; i++) await call();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  let left = CALLS;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await call();
    }),
  );
  const { user, system } = process.cpuUsage(cpu);
  const mainThreadMs = performance.eventLoopUtilization(loop).active;
  const perCall = (ms: number) => `${(ms / CALLS).toFixed(3)} ms`;
  const wall = performance.now() - started;
  return `| ${label} | ${inFlight} | ${perCall((user + system) / 1000)} | ${perCall(system / 1000)} | ${perCall(mainThreadMs)} | ${perCall(wall)} |`;
}

async function measure(): Promise<void> {
  const child = fork(__filename, ["--serve"], { execArgv: ["--import", "tsx"] });
  const port = await new Promise<number>((resolve) => child.once("message", (p) => resolve(Number(p))));
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "bench-sdk-calls-"));
  const sdk: SdkCopyData = { file: await buildSdkBundle(dir), endpoint };
  const copies = FUNCTIONS.length;
  console.log(`bench:sdk-calls — DynamoDB UpdateItem, ${CALLS} calls per row (${machine()})`);
  console.log(
    "| SDK | calls in flight | caller CPU per call | of it in the kernel | of it on the main thread | wall time per call |\n|---|---:|---:|---:|---:|---:|",
  );
  const one = copiesInThisThread(sdk, 1);
  console.log(await row("one copy", one, 1));
  console.log(await row("one copy", one, 32));
  const inThisThread = copiesInThisThread(sdk, copies);
  console.log(await row(`${copies} copies, this thread`, inThisThread, 32, copies));
  // Again after it, so the order of the rows (shared code warming up) cannot pass for a difference.
  console.log(await row("one copy, again", one, 32));
  const workers = copiesInWorkers(sdk, copies);
  console.log(await row(`${copies} copies, a worker thread each`, workers.call, 32, copies));
  await workers.stop();
  rmSync(dir, { recursive: true, force: true });
  child.kill();
}

if (process.argv.includes("--serve")) serve();
else void measure();
