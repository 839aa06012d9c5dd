/** The AWS side of `npm run redrive`, against mocked SQS and Lambda clients (aws-sdk-client-mock). */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { eventOf, redrive } from "../../../scripts/ops/redrive";

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const clients = { sqs: new SQSClient({}), lambda: new LambdaClient({}) };
const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/ecommerce-dev-orders-dlq";
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:ecommerce-dev-orders-dlq";

beforeEach(() => {
  sqs.reset();
  lambda.reset();
  sqs.on(GetQueueAttributesCommand).resolves({
    Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: "2" },
  });
});

const run = (queue: "orders" | "confirmations", dryRun = false) => {
  const lines: string[] = [];
  const result = redrive(
    clients,
    { queue, deadLetterQueueUrl: DLQ_URL, successHandlerName: "ecommerce-dev-order-success-handler" },
    { dryRun, log: (line) => lines.push(line), pollMs: 1 },
  );
  return { lines, result };
};

test("orders: shows how many wait and which orders, then SQS moves them back and reports progress", async () => {
  sqs.on(ReceiveMessageCommand).resolves({
    Messages: [
      { Body: JSON.stringify({ orderId: "o-1" }) },
      { Body: JSON.stringify({ orderId: "o-2", items: [] }) },
    ],
  });
  sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "h" });
  sqs
    .on(ListMessageMoveTasksCommand)
    .resolvesOnce({
      Results: [
        { Status: "RUNNING", ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 2 },
      ],
    })
    .resolves({
      Results: [
        { Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 2 },
      ],
    });
  const { lines, result } = run("orders");
  await expect(result).resolves.toEqual({ waiting: 2, sample: ["o-1", "o-2"], moved: 2 });
  // The sample is a look, not a take: the messages stay visible for the move task.
  expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toMatchObject({ VisibilityTimeout: 0 });
  // No destination: SQS moves them back to the queue they came from (OrdersQueue).
  expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input).toEqual({ SourceArn: DLQ_ARN });
  expect(lines).toEqual([
    `2 message(s) wait in ${DLQ_ARN}.`,
    "Orders, for example: o-1, o-2",
    expect.stringContaining("idempotent"),
    "Message move task started: back to OrdersQueue.",
    "RUNNING: 1 of 2 moved",
    "COMPLETED: 2 of 2 moved",
  ]);
});

test("--dry-run moves nothing", async () => {
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ Body: JSON.stringify({ orderId: "o-1" }) }] });
  const { lines, result } = run("orders", true);
  await expect(result).resolves.toMatchObject({ waiting: 2, moved: 0 });
  expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  expect(lines).toContain("Dry run: nothing moved.");
});

test("a failed move task fails the redrive with SQS's reason", async () => {
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
  sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "h" });
  sqs
    .on(ListMessageMoveTasksCommand)
    .resolves({ Results: [{ Status: "FAILED", FailureReason: "AccessDenied" }] });
  await expect(run("orders").result).rejects.toThrow("The message move task FAILED: AccessDenied.");
});

test("an empty dead-letter queue: nothing to do", async () => {
  sqs
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: "0" } });
  await expect(run("orders").result).resolves.toEqual({ waiting: 0, sample: [], moved: 0 });
  expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
});

test("confirmations: each event goes back to OrderSuccessHandler asynchronously, then leaves the queue", async () => {
  const statusChange = { source: "aws.states", detail: { name: "o-1", status: "SUCCEEDED" } };
  const express = { source: "order-system.workflow", detail: { orderId: "o-2", status: "SUCCEEDED" } };
  const batch = [
    // EventBridge's target dead-letter queue keeps the event itself…
    { Body: JSON.stringify(statusChange), ReceiptHandle: "r-1" },
    // …Lambda's on-failure destination a record with the event as requestPayload.
    { Body: JSON.stringify({ requestContext: {}, requestPayload: express }), ReceiptHandle: "r-2" },
  ];
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: batch })
    .resolvesOnce({ Messages: batch })
    .resolves({ Messages: [] });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  const { result } = run("confirmations");
  await expect(result).resolves.toEqual({ waiting: 2, sample: ["o-1", "o-2"], moved: 2 });
  const invoked = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
  expect(invoked.map((i) => [i.FunctionName, i.InvocationType])).toEqual([
    ["ecommerce-dev-order-success-handler", "Event"],
    ["ecommerce-dev-order-success-handler", "Event"],
  ]);
  expect(invoked.map((i) => JSON.parse(Buffer.from(i.Payload as Uint8Array).toString()))).toEqual([
    statusChange,
    express,
  ]);
  expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual([
    "r-1",
    "r-2",
  ]);
});

test("a failed invoke keeps the message in the queue", async () => {
  sqs
    .on(ReceiveMessageCommand)
    .resolves({ Messages: [{ Body: JSON.stringify({ detail: { orderId: "o-1" } }), ReceiptHandle: "r-1" }] });
  lambda.on(InvokeCommand).rejects(new Error("TooManyRequestsException"));
  await expect(run("confirmations").result).rejects.toThrow("TooManyRequestsException");
  expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
});

test("eventOf reads both shapes", () => {
  expect(eventOf({ Body: '{"a":1}' })).toEqual({ a: 1 });
  expect(eventOf({ Body: '{"requestPayload":{"b":2}}' })).toEqual({ b: 2 });
});
