/**
 * One copy of the bundled AWS SDK for `npm run bench:sdk-calls`, evaluated on its own as the Lambda
 * host evaluates a bundle, and a function that sends one UpdateItem through it (as ProcessPayment
 * does). Run as a worker thread, it holds one copy and sends a call for every message it gets,
 * answering with the message once the call returns.
 */
import { readFileSync } from "node:fs";
import { isMainThread, parentPort, workerData } from "node:worker_threads";

export type Call = () => Promise<unknown>;

export interface SdkCopyData {
  /** The bundled SDK (CommonJS exporting DynamoDBClient and UpdateItemCommand). */
  readonly file: string;
  readonly endpoint: string;
}

interface BundledSdk {
  readonly DynamoDBClient: new (config: object) => { send(command: unknown): Promise<unknown> };
  readonly UpdateItemCommand: new (input: object) => unknown;
}

export function sdkCopy({ file, endpoint }: SdkCopyData): Call {
  const module = { exports: {} as BundledSdk };
  new Function("exports", "require", "module", readFileSync(file, "utf8"))(module.exports, require, module);
  const { DynamoDBClient, UpdateItemCommand } = module.exports;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  return () =>
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
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const call = sdkCopy(workerData as SdkCopyData);
  port.on("message", (id: number) => void call().then(() => port.postMessage(id)));
}
