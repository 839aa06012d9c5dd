/**
 * Dead-letter redrive against AWS. `orders`: OrdersQueue's dead-letter queue is a real SQS redrive
 * target, so SQS's own message move task moves its messages back (StartMessageMoveTask, progress from
 * ListMessageMoveTasks). `confirmations`: that queue collects events EventBridge and Lambda could not
 * deliver; it has no source queue to move back to, so each event is handed to OrderSuccessHandler
 * again (an asynchronous Invoke, as EventBridge does) and deleted once Lambda accepted it.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export const REDRIVE_QUEUES = ["orders", "confirmations"] as const;
export type RedriveQueue = (typeof REDRIVE_QUEUES)[number];

export const IDEMPOTENCY_NOTE =
  "Orders are idempotent end to end: a redriven order is charged, decremented, confirmed and mailed at most once.";

export interface RedriveTarget {
  readonly queue: RedriveQueue;
  readonly deadLetterQueueUrl: string;
  /** confirmations: the function the events go back to. */
  readonly successHandlerName?: string;
}

export interface RedriveOptions {
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  /** Between progress polls (ms). */
  readonly pollMs?: number;
  readonly sampleSize?: number;
}

export interface RedriveResult {
  readonly waiting: number;
  readonly sample: readonly string[];
  readonly moved: number;
}

/** The event an SQS message of the confirmation dead-letter queue carries (EventBridge's, or Lambda's record of it). */
export function eventOf(message: Message): unknown {
  const body = JSON.parse(message.Body ?? "null") as { requestPayload?: unknown } | null;
  return body && typeof body === "object" && "requestPayload" in body ? body.requestPayload : body;
}

/** The order a dead-lettered message is about, for the sample. */
export function orderIdOf(queue: RedriveQueue, message: Message): string {
  try {
    const value = (queue === "orders" ? JSON.parse(message.Body ?? "{}") : eventOf(message)) as {
      orderId?: string;
      detail?: { orderId?: string; name?: string };
    };
    return value.orderId ?? value.detail?.orderId ?? value.detail?.name ?? "(no order id)";
  } catch {
    return "(not JSON)";
  }
}

async function attributes(sqs: SQSClient, url: string): Promise<{ arn: string; waiting: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["QueueArn", "ApproximateNumberOfMessages"],
    }),
  );
  return { arn: String(Attributes.QueueArn), waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0) };
}

/** A look at up to `size` messages without taking them: they are visible again at once. */
async function sample(sqs: SQSClient, target: RedriveTarget, size: number): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: target.deadLetterQueueUrl,
      MaxNumberOfMessages: Math.min(size, 10),
      VisibilityTimeout: 0,
      WaitTimeSeconds: 1,
    }),
  );
  return Messages.map((m) => orderIdOf(target.queue, m));
}

export async function redrive(
  clients: { readonly sqs: SQSClient; readonly lambda: LambdaClient },
  target: RedriveTarget,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const { arn, waiting } = await attributes(clients.sqs, target.deadLetterQueueUrl);
  const ids = waiting > 0 ? await sample(clients.sqs, target, options.sampleSize ?? 10) : [];
  options.log(`${waiting} message(s) wait in ${arn}.`);
  if (ids.length > 0) options.log(`Orders, for example: ${ids.join(", ")}`);
  if (waiting === 0 || options.dryRun) {
    if (options.dryRun && waiting > 0) options.log("Dry run: nothing moved.");
    return { waiting, sample: ids, moved: 0 };
  }
  options.log(IDEMPOTENCY_NOTE);
  const moved =
    target.queue === "orders"
      ? await moveBack(clients.sqs, arn, options)
      : await handBack(clients, target, waiting, options);
  return { waiting, sample: ids, moved };
}

/** SQS's message move task back to the source queue, with its progress until it ends. */
async function moveBack(sqs: SQSClient, sourceArn: string, options: RedriveOptions): Promise<number> {
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
  options.log("Message move task started: back to OrdersQueue.");
  for (;;) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
    );
    const task = Results[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    options.log(
      `${task?.Status ?? "UNKNOWN"}: ${moved} of ${task?.ApproximateNumberOfMessagesToMove ?? "?"} moved`,
    );
    if (task?.Status === "COMPLETED") return moved;
    if (task?.Status === "FAILED" || task?.Status === "CANCELLED") {
      throw new Error(`The message move task ${task.Status}: ${task.FailureReason ?? "no reason given"}.`);
    }
  }
}

/** Each event to OrderSuccessHandler again (asynchronously, as EventBridge invokes it), then deleted. */
async function handBack(
  clients: { readonly sqs: SQSClient; readonly lambda: LambdaClient },
  target: RedriveTarget,
  waiting: number,
  options: RedriveOptions,
): Promise<number> {
  if (!target.successHandlerName)
    throw new Error("The confirmations redrive needs OrderSuccessHandler's name.");
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) return moved;
    for (const message of Messages) {
      await clients.lambda.send(
        new InvokeCommand({
          FunctionName: target.successHandlerName,
          InvocationType: "Event",
          Payload: Buffer.from(JSON.stringify(eventOf(message))),
        }),
      );
      await clients.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: target.deadLetterQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      moved++;
    }
    options.log(`${moved} of about ${waiting} handed back to ${target.successHandlerName}`);
  }
}
