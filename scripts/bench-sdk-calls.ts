/**
 * `npm run bench:sdk-calls`: what one AWS SDK call costs the caller's CPU, the floor under the
 * handlers' share of the local runtime's thread. The client is the SDK the bundles carry (a
 * DynamoDB UpdateItem with a condition, as ProcessPayment sends); the server, in a child process, answers at
 * once, so only the caller's work is counted: building, signing and sending the request, reading
 * and parsing the answer. Sequential and at 32 calls in flight, as the benchmark's clients keep.
 * Usage: npm run bench:sdk-calls -- [calls=4000]
 */
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { machine } from "./bench/stats";

const CALLS = Number(process.argv[2] ?? 4000);
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

async function measure(): Promise<void> {
  const child = fork(__filename, ["--serve"], { execArgv: ["--import", "tsx"] });
  const port = await new Promise<number>((resolve) => child.once("message", (p) => resolve(Number(p))));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const call = () =>
    client.send(
      new UpdateItemCommand({
        TableName: "orders",
        Key: { orderId: { S: "o-1" } },
        UpdateExpression: "SET #status = :paid, paidAt = :now",
        ConditionExpression: "#status = :processing",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":paid": { S: "PAID" },
          ":processing": { S: "PROCESSING" },
          ":now": { S: new Date().toISOString() },
        },
        ReturnValues: "ALL_NEW",
      }),
    );
  for (let i = 0; i < 500; i++) await call(); // warm-up: JIT, connections
  console.log(`bench:sdk-calls — DynamoDB UpdateItem, ${CALLS} calls per row (${machine()})`);
  console.log(
    "| calls in flight | caller CPU per call | of it in the kernel | wall time per call |\n|---:|---:|---:|---:|",
  );
  for (const inFlight of [1, 32]) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    let left = CALLS;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (left-- > 0) await call();
      }),
    );
    const { user, system } = process.cpuUsage(cpu);
    const perCall = (ms: number) => `${(ms / CALLS).toFixed(3)} ms`;
    const wall = performance.now() - started;
    console.log(
      `| ${inFlight} | ${perCall((user + system) / 1000)} | ${perCall(system / 1000)} | ${perCall(wall)} |`,
    );
  }
  client.destroy();
  child.kill();
}

if (process.argv.includes("--serve")) serve();
else void measure();
