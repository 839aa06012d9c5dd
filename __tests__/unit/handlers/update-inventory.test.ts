import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/update-inventory/handler";
import { context, ORDER_ID } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const input = {
  orderId: ORDER_ID,
  items: [
    { productId: "SKU-1001", quantity: 2 },
    { productId: "SKU-1002", quantity: 1 },
  ],
};
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const product = (ProductID: string, stock: number, movementCount: number) => ({
  ProductID,
  name: ProductID,
  priceMinor: 1000,
  currency: "USD",
  stock,
  movementCount,
});
const stocked = (a: number, b: number) =>
  dynamo.on(BatchGetCommand).resolves({
    Responses: { "inventory-test": [product("SKU-1001", a, 4), product("SKU-1002", b, 9)] },
  });

beforeEach(() => {
  dynamo.reset();
  sns.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  stocked(50, 50);
});

test("reads the stock, then takes every line with its movement and the order's marker in one transaction", async () => {
  await expect(handler(input, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(
    dynamo.commandCalls(BatchGetCommand)[0].args[0].input.RequestItems?.["inventory-test"],
  ).toMatchObject({ ConsistentRead: true });
  const request = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input;
  // No client token: a retry after losing a race sends other items, and the marker makes it once.
  expect(request.ClientRequestToken).toBeUndefined();
  const items = request.TransactItems ?? [];
  expect(items.map((i) => [(i.Update ?? i.Put)?.TableName, i.Update?.Key ?? i.Put?.Item?.seq])).toEqual([
    ["inventory-test", { ProductID: "SKU-1001" }],
    ["inventory-test", { ProductID: "SKU-1002" }],
    ["orders-test", { orderId: ORDER_ID }],
    ["stock-movements-test", 5],
    ["stock-movements-test", 10],
  ]);
  // What the conditions do (no oversell under races, once per order) is proven against dynalite.
  expect(items[0].Update).toMatchObject({
    ConditionExpression: "movementCount = :read",
    ExpressionAttributeValues: { ":after": 48, ":seq": 5, ":read": 4 },
  });
  expect(items[3].Put?.Item).toMatchObject({
    productId: "SKU-1001",
    kind: "sale",
    orderId: ORDER_ID,
    delta: -2,
    stockAfter: 48,
  });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

test("lines carrying the validation's read: the first attempt is conditional on it, with no read of its own", async () => {
  const seen = (stock: number, movements: number) => ({ stock, movements, name: "Mug", threshold: 3 });
  const guessed = {
    orderId: ORDER_ID,
    items: [
      { productId: "SKU-1001", quantity: 2, seen: seen(9, 4) },
      { productId: "SKU-1002", quantity: 1, seen: seen(1, 2) },
    ],
  };
  await expect(handler(guessed, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
  const items = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems ?? [];
  expect(items[1].Update?.ExpressionAttributeValues).toEqual({ ":after": 0, ":seq": 3, ":read": 2 });
  // Changed since the validation read it: read, then planned again (stocked(50, 50) here).
  dynamo.reset();
  dynamo.on(BatchGetCommand).resolves({
    Responses: { "inventory-test": [product("SKU-1001", 50, 7), product("SKU-1002", 50, 9)] },
  });
  dynamo
    .on(TransactWriteCommand)
    .rejectsOnce(cancelled("ConditionalCheckFailed", "None", "None", "None", "None"))
    .resolves({});
  await expect(handler(guessed, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(1);
  const retried = dynamo.commandCalls(TransactWriteCommand)[1].args[0].input.TransactItems ?? [];
  expect(retried[0].Update?.ExpressionAttributeValues).toEqual({ ":after": 48, ":seq": 8, ":read": 7 });
  expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
});

test("a short line is an OutOfStock business error naming it, with nothing written", async () => {
  stocked(50, 0);
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING" } });
  await expect(handler(input, context)).rejects.toMatchObject({
    name: "OutOfStock",
    message: expect.stringContaining("SKU-1002"),
  });
  expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

test("a replay after the order was reserved decrements nothing, even if the stock ran out since", async () => {
  stocked(0, 0);
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING", inventoryReserved: true } });
  await expect(handler(input, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "already-reserved",
  });
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  stocked(50, 50);
  await expect(handler(input, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "already-reserved",
  });
});

test("an order cancelled before its stock was reserved is an OrderCancelled business error, nothing taken", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  dynamo.on(GetCommand).resolves({ Item: { status: "CANCELLED" } });
  await expect(handler(input, context)).rejects.toMatchObject({ name: "OrderCancelled" });
  const marker = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems?.[2]?.Update;
  expect(marker?.ConditionExpression).toContain("#status <> :cancelled");
  expect(marker?.ExpressionAttributeValues).toMatchObject({ ":cancelled": "CANCELLED" });
});

test("a line that lost a race is planned again from a fresh read", async () => {
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING" } });
  dynamo
    .on(TransactWriteCommand)
    .rejectsOnce(cancelled("ConditionalCheckFailed", "None", "None", "None", "None"))
    .resolves({});
  await expect(handler(input, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(2);
  expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
});

test("a sale that takes a product to its threshold tells the operators once, naming product, stock and threshold", async () => {
  stocked(7, 50);
  sns.on(PublishCommand).resolves({});
  await handler(input, context);
  const [publish] = sns.commandCalls(PublishCommand);
  expect(publish.args[0].input).toMatchObject({
    TopicArn: "arn:aws:sns:us-east-1:123456789012:order-alerts-test",
    Subject: "Low stock: SKU-1001 has 5 left",
    Message: expect.stringContaining("5 left, threshold 5"),
  });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  const movement = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems?.[3]?.Put?.Item;
  expect(movement).toMatchObject({ lowStock: true, stockAfter: 5 });
});

test("a message that cannot be sent leaves the committed reservation reserved", async () => {
  stocked(6, 50);
  sns.on(PublishCommand).rejects(new Error("SNS down"));
  await expect(handler(input, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
});

test("invalid task input is rejected before any read or write", async () => {
  await expect(handler({ orderId: ORDER_ID, items: [] }, context)).rejects.toMatchObject({
    name: "$ZodError",
  });
  expect(dynamo.calls()).toHaveLength(0);
});

test("release (compensation) gives the stock back with its movements and clears the marker in one transaction", async () => {
  await expect(handler({ ...input, action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "released",
  });
  const items = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems ?? [];
  expect(items.map((i) => i.Update?.Key ?? i.Put?.Item?.kind)).toEqual([
    { ProductID: "SKU-1001" },
    { ProductID: "SKU-1002" },
    { orderId: ORDER_ID },
    "release",
    "release",
  ]);
  expect(items[0].Update?.ExpressionAttributeValues).toMatchObject({ ":after": 52 });
  expect(items[2].Update?.ConditionExpression).toBe("inventoryReserved = :true");
});

test("release for an order that reserved nothing changes nothing", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  await expect(handler({ ...input, action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "nothing-reserved",
  });
});
