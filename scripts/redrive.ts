/**
 * `npm run redrive`: moves dead-lettered orders or confirmations back, after showing how many wait
 * and which orders. Usage:
 *   npm run redrive -- --stack <stack> --queue orders|confirmations [--dry-run] [--outputs-file <file>]
 *   npm run redrive -- --url <local runtime URL> --queue orders|confirmations [--dry-run]
 * With --stack it reads the stack's outputs through `cdktf output` (or the file `cdktf deploy
 * --outputs-file` wrote) and calls SQS and Lambda with the current AWS credentials and Region.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SQSClient } from "@aws-sdk/client-sqs";
import { REDRIVE_QUEUES, redrive, type RedriveQueue } from "./ops/redrive";
import { parseOptions, runCommand, stackOrUrl, UsageError } from "./ops/cli";
import { requireOutput, stackOutputs } from "./ops/stack-outputs";

const USAGE =
  "Usage: npm run redrive -- (--stack <stack> [--outputs-file <file>] | --url <local runtime URL>) --queue orders|confirmations [--dry-run]";

function parse() {
  const values = parseOptions({
    stack: { type: "string" },
    "outputs-file": { type: "string" },
    url: { type: "string" },
    queue: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  const queue = values.queue;
  if (!queue || !(REDRIVE_QUEUES as readonly string[]).includes(queue)) {
    throw new UsageError(
      `--queue must be one of ${REDRIVE_QUEUES.join(", ")}${queue ? ` (got "${queue}")` : ""}.`,
    );
  }
  stackOrUrl(values);
  return { ...values, queue: queue as RedriveQueue, dryRun: values["dry-run"] ?? false };
}

/** The local runtime: its POST /_local/redrive does the same on the local queues. */
async function redriveLocal(url: string, queue: RedriveQueue, dryRun: boolean): Promise<void> {
  const response = await fetch(`${url.replace(/\/$/, "")}/_local/redrive?queue=${queue}&dryRun=${dryRun}`, {
    method: "POST",
  });
  const report = (await response.json()) as {
    waiting?: number;
    sample?: string[];
    moved?: number;
    note?: string;
    error?: { message: string };
  };
  if (!response.ok)
    throw new Error(report.error?.message ?? `The local runtime answered ${response.status}.`);
  process.stdout.write(`${report.waiting} message(s) wait in the local ${queue} dead-letter queue.\n`);
  if (report.sample?.length) process.stdout.write(`Orders, for example: ${report.sample.join(", ")}\n`);
  process.stdout.write(dryRun ? "Dry run: nothing moved.\n" : `${report.moved} moved back. ${report.note}\n`);
}

async function main(): Promise<number> {
  const args = parse();
  if (args.url) {
    await redriveLocal(args.url, args.queue, args.dryRun);
    return 0;
  }
  const outputs = stackOutputs(args.stack!, args["outputs-file"]);
  const result = await redrive(
    { sqs: new SQSClient({}), lambda: new LambdaClient({}) },
    {
      queue: args.queue,
      deadLetterQueueUrl: requireOutput(
        outputs,
        args.queue === "orders" ? "orders_dlq_url" : "confirmation_dlq_url",
      ),
      successHandlerName:
        args.queue === "confirmations" ? requireOutput(outputs, "order_success_handler_name") : undefined,
    },
    { dryRun: args.dryRun, log: (line) => process.stdout.write(`${line}\n`) },
  );
  if (!args.dryRun) process.stdout.write(`Done: ${result.moved} moved back.\n`);
  return 0;
}

runCommand("redrive", USAGE, main);
