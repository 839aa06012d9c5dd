import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/start-order-processing/handler";
import { context, sqsEvent } from "../../support/events";

const sfn = mockClient(SFNClient);
const ids = [
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
  "33333333-3333-4333-8333-333333333333",
];
const body = (orderId: string) => JSON.stringify({ orderId });

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date() });
});

test("starts one execution per message, named by orderId", async () => {
  const response = await handler(sqsEvent(ids.map(body)), context);
  expect(response).toEqual({ batchItemFailures: [] });
  expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 3);
  for (const orderId of ids) {
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: orderId,
      input: JSON.stringify({ orderId }),
    });
  }
});

test("a duplicate delivery (ExecutionAlreadyExists) counts as success", async () => {
  sfn
    .on(StartExecutionCommand)
    .resolvesOnce({ executionArn: "arn:exec", startDate: new Date() })
    .rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists", $metadata: {} }));
  const response = await handler(sqsEvent([body(ids[0]), body(ids[0])]), context);
  expect(response.batchItemFailures).toEqual([]);
});

test("a transient failure on one record reports only that record", async () => {
  sfn
    .on(StartExecutionCommand, { name: ids[1] })
    .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
  const response = await handler(sqsEvent(ids.map(body)), context);
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: "msg-1" }]);
  expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 3);
});

test("a malformed message is reported (redelivered, then dead-lettered), the rest go on", async () => {
  const response = await handler(
    sqsEvent(["not json", JSON.stringify({ orderId: "nope" }), body(ids[2])]),
    context,
  );
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: "msg-0" }, { itemIdentifier: "msg-1" }]);
  expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
});

test("a batch that fails entirely is reported record by record, not thrown", async () => {
  sfn.on(StartExecutionCommand).rejects(new Error("Service unavailable"));
  const response = await handler(sqsEvent(ids.map(body)), context);
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["msg-0", "msg-1", "msg-2"]);
});
