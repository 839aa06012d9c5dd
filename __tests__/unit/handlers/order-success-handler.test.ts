import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EventBridgeEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/order-success-handler/handler";
import { context, ORDER_ID } from "../../support/events";
import { orderRecord } from "../../support/orders";

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const event = (status = "SUCCEEDED") =>
  ({
    version: "0",
    id: "e-1",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${ORDER_ID}`,
      stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
      name: ORDER_ID,
      status,
      input: JSON.stringify({ orderId: ORDER_ID }),
    },
  }) as EventBridgeEvent<"Step Functions Execution Status Change", unknown>;

const confirmed = orderRecord({
  status: "CONFIRMED",
  totalMinor: 9948,
  currency: "USD",
  lines: [
    {
      productId: "SKU-1001",
      name: "Classic Cotton T-Shirt",
      quantity: 2,
      unitPriceMinor: 1999,
      lineTotalMinor: 3998,
    },
    {
      productId: "SKU-1002",
      name: "Slim Fit Jeans",
      quantity: 1,
      unitPriceMinor: 5950,
      lineTotalMinor: 5950,
    },
  ],
});
const conditionFailed = () => new ConditionalCheckFailedException({ message: "failed", $metadata: {} });

beforeEach(() => {
  dynamo.reset();
  sns.reset();
  dynamo.on(UpdateCommand).resolves({});
  dynamo
    .on(UpdateCommand, { UpdateExpression: "SET #status = :confirmed, updatedAt = :now" })
    .resolves({ Attributes: confirmed });
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
});

test("marks the order CONFIRMED and tells OrderAlertsTopic in words a person can read", async () => {
  await expect(handler(event(), context)).resolves.toEqual({ orderId: ORDER_ID, outcome: "confirmed" });
  expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
    Key: { orderId: ORDER_ID },
    ConditionExpression: "attribute_exists(orderId) AND #status IN (:pending, :processing)",
  });
  expect(sns).toHaveReceivedCommandWith(PublishCommand, {
    TopicArn: process.env.ORDER_ALERTS_TOPIC_ARN,
    Subject: `Order ${ORDER_ID} confirmed`,
    Message: expect.stringContaining("2 x Classic Cotton T-Shirt (SKU-1001) @ 19.99 USD = 39.98 USD"),
  });
  expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain("Total: 99.48 USD");
  expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
    UpdateExpression: "SET confirmationNotifiedAt = :now",
  });
});

test("a duplicate event after the notification went out publishes nothing", async () => {
  dynamo
    .on(UpdateCommand, { UpdateExpression: "SET #status = :confirmed, updatedAt = :now" })
    .rejects(conditionFailed());
  dynamo.on(GetCommand).resolves({ Item: { ...confirmed, confirmationNotifiedAt: "2026-01-01T00:00:02Z" } });
  await expect(handler(event(), context)).resolves.toEqual({ orderId: ORDER_ID, outcome: "duplicate" });
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
});

test("a retry after a failed publish sends the confirmation it owes", async () => {
  dynamo
    .on(UpdateCommand, { UpdateExpression: "SET #status = :confirmed, updatedAt = :now" })
    .rejects(conditionFailed());
  dynamo.on(GetCommand).resolves({ Item: confirmed });
  await expect(handler(event(), context)).resolves.toEqual({ orderId: ORDER_ID, outcome: "confirmed" });
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
});

test("an SNS failure fails the invocation so EventBridge/Lambda retry it", async () => {
  sns.on(PublishCommand).rejects(new Error("SNS unavailable"));
  await expect(handler(event(), context)).rejects.toThrow("SNS unavailable");
  expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, {
    UpdateExpression: "SET confirmationNotifiedAt = :now",
  });
});

test("an order that already FAILED is not confirmed or announced", async () => {
  dynamo
    .on(UpdateCommand, { UpdateExpression: "SET #status = :confirmed, updatedAt = :now" })
    .rejects(conditionFailed());
  dynamo.on(GetCommand).resolves({ Item: orderRecord({ status: "FAILED" }) });
  await expect(handler(event(), context)).resolves.toEqual({ orderId: ORDER_ID, outcome: "not-confirmed" });
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
});

test("events that are not SUCCEEDED are ignored; foreign events are rejected", async () => {
  await expect(handler(event("FAILED"), context)).resolves.toMatchObject({ outcome: "ignored" });
  await expect(handler({ ...event(), source: "aws.ec2" } as never, context)).rejects.toThrow();
  expect(dynamo.calls()).toHaveLength(0);
});
