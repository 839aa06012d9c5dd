/**
 * `npm run bench:local`: pushes N orders (default 1,000) at a given concurrency (default 50) through
 * the local order system started in this process, and reports orders/second end to end (POST until
 * the "order confirmed" notification) with p50/p95/p99 latency. A sequential run (concurrency 1)
 * in the same process is the baseline. Every order must end CONFIRMED: none lost.
 * The meter's calls per order during the load run are printed beside the figures.
 * Usage: npm run bench:local -- [--orders N] [--concurrency C] [any option of npm start, e.g. --no-iam]
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { resolve } from "node:path";
import { startLocalOrderSystem, type LocalOrderSystem } from "../local/order-system";
import { optionFor, parseCommandLine, UsageError } from "../local/options";
import { machine, percentile } from "./bench/stats";

/** The runtime's own options (the option table's: --no-auth, --no-iam, --workflow-type, …) and the benchmark's. */
function commandLine() {
  try {
    // Flags only, not the environment: a run is reproduced from its command line.
    const command = parseCommandLine(process.argv.slice(2), {}, ["orders", "concurrency"]);
    if (command.help) {
      process.stdout.write(
        "Usage: npm run bench:local -- [--orders N] [--concurrency C] [runtime options, as npm start]\n",
      );
      process.exit(0);
    }
    return command;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
const { values: runtimeOptions, own } = commandLine();
const ORDERS = Number(own.orders ?? 1000);
const CONCURRENCY = Number(own.concurrency ?? 50);
const PRODUCTS = ["SKU-1001", "SKU-1002", "SKU-1005", "SKU-1007", "SKU-1008"];

interface RunResult {
  readonly label: string;
  readonly orders: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly lost: number;
}

async function run(
  system: LocalOrderSystem,
  label: string,
  orders: number,
  concurrency: number,
): Promise<RunResult> {
  const placedAt = new Map<string, number>();
  // Signed-in customers, as deployed: each request's token is verified by the local authorizer.
  const auth = system.auth;
  const tokens = auth
    ? await Promise.all(Array.from({ length: 50 }, (_, i) => auth.issueIdToken(`bench${i}@example.com`)))
    : [];
  const latencies: number[] = [];
  const confirmed = new Map<string, () => void>();
  system.notifications.onPublish((n) => {
    const orderId = /^Order (\S+) confirmed$/.exec(n.subject)?.[1];
    const started = orderId ? placedAt.get(orderId) : undefined;
    if (orderId && started !== undefined && !confirmed.has(orderId)) {
      latencies.push(performance.now() - started);
      confirmed.set(orderId, () => undefined);
    }
  });
  let next = 0;
  const start = performance.now();
  const client = async () => {
    while (next < orders) {
      const i = next++;
      const t0 = performance.now();
      const response = await fetch(`${system.url}/orders`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...(auth ? { Authorization: tokens[i % tokens.length] } : {}),
        },
        body: JSON.stringify({
          ...(auth ? {} : { customerEmail: `bench${i}@example.com` }),
          paymentToken: "tok_visa",
          items: [{ productId: PRODUCTS[i % PRODUCTS.length], quantity: 1 }],
        }),
      });
      const body = (await response.json()) as { orderId?: string };
      if (response.status !== 202 || !body.orderId)
        throw new Error(`Order ${i} rejected: ${response.status}`);
      placedAt.set(body.orderId, t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const deadline = Date.now() + 120_000;
  while (latencies.length < orders && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  return { label, orders, concurrency, seconds, latencies, lost: orders - latencies.length };
}

async function main(): Promise<void> {
  const system = await startLocalOrderSystem({
    projectRoot: resolve(__dirname, ".."),
    ...runtimeOptions,
    port: 0,
  });
  try {
    // Enough stock for every order, so each one can end CONFIRMED.
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
    // The floor under everything: how many plain GetItem calls one process gets from the local
    // DynamoDB through the SDK (an order makes about 13 DynamoDB calls end to end).
    const probe = async (calls: number): Promise<number> => {
      let issued = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (issued++ < calls) {
            await dynamodb.send(
              new GetItemCommand({
                TableName: system.tables.inventory,
                Key: { ProductID: { S: PRODUCTS[0] } },
              }),
            );
          }
        }),
      );
      return calls / ((performance.now() - started) / 1000);
    };
    await probe(3000); // JIT warm-up of both processes
    const getItemsPerSecond = await probe(5000);
    dynamodb.destroy();
    process.stderr.write(`Warming up…\n`);
    await run(system, "warm-up", 50, 10);
    await system.settled();
    process.stderr.write(`Baseline: ${Math.max(20, ORDERS / 20)} orders, one at a time…\n`);
    const baseline = await run(system, "baseline: 1 client", Math.max(20, ORDERS / 20), 1);
    await system.settled();
    process.stderr.write(`Load: ${ORDERS} orders, ${CONCURRENCY} concurrent clients…\n`);
    system.meter.reset();
    const load = await run(system, `load: ${CONCURRENCY} clients`, ORDERS, CONCURRENCY);
    await system.settled();
    const { perOrder } = system.meter.report();

    process.stdout.write(
      `\nbench:local — POST /orders until "order confirmed", workflow ${system.workflow.type}, IAM ${system.iamEnforced ? "enforced" : `off (${optionFor("iam").flag})`}, local runtime in one process (${machine()})\n`,
    );
    process.stdout.write(
      "| run | orders | orders/s | p50 | p95 | p99 | lost |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (const r of [baseline, load]) {
      process.stdout.write(
        `| ${r.label} | ${r.orders} | ${(r.latencies.length / r.seconds).toFixed(0)} | ${percentile(r.latencies, 50).toFixed(0)} ms | ${percentile(r.latencies, 95).toFixed(0)} ms | ${percentile(r.latencies, 99).toFixed(0)} ms | ${r.lost} |\n`,
      );
    }
    const calls = (service: string) => (perOrder[service]?.calls ?? 0).toFixed(2);
    process.stdout.write(
      `\nCalls per order (load run, metered): DynamoDB ${calls("DynamoDB")}, Lambda ${calls("Lambda")}, Step Functions ${calls("Step Functions")} (${system.workflow.type === "EXPRESS" ? "executions" : "state transitions"}), SQS ${calls("SQS")}.\n`,
    );
    process.stdout.write(
      `\nDynamoDB floor: ${getItemsPerSecond.toFixed(0)} GetItem/s from one process through the SDK to the local DynamoDB.\n`,
    );
    if (load.lost > 0 || baseline.lost > 0) {
      process.stdout.write(`\n${load.lost + baseline.lost} orders did not reach CONFIRMED.\n`);
      process.exitCode = 1;
    }
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:local failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
