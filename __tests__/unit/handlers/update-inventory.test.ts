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
const seen = (stock: number, logSize = 2) => ({ stock, logSize, name: "Mug" });
/** As ValidateOrder hands the lines on: each with the product as it read it. */
const input = (a = 50, b = 50) => ({
  orderId: ORDER_ID,
  items: [
    { productId: "SKU-1001", quantity: 2, seen: seen(a) },
    { productId: "SKU-1002", quantity: 1, seen: seen(b) },
  ],
});
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const product = (ProductID: string, stock: number, log: Record<string, unknown>[] = []) => ({
  ProductID,
  name: ProductID,
  priceMinor: 1000,
  currency: "USD",
  stock,
  flushed: 3,
  log,
});
const stocked = (a: number, b: number) =>
  dynamo.on(BatchGetCommand).resolves({
    Responses: { "inventory-test": [product("SKU-1001", a), product("SKU-1002", b)] },
  });
const transactItems = (call = 0) =>
  dynamo.commandCalls(TransactWriteCommand)[call].args[0].input.TransactItems ?? [];

beforeEach(() => {
  dynamo.reset();
  sns.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  stocked(50, 50);
});

test("one transaction: each line's stock taken with its movement appended to the product, and the order's marker; nothing read", async () => {
  await expect(handler(input(), context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
  const request = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input;
  // No client token: a retry in another band sends other conditions, and the marker makes it once.
  expect(request.ClientRequestToken).toBeUndefined();
  const items = transactItems();
  expect(items.map((i) => [i.Update?.TableName, i.Update?.Key])).toEqual([
    ["inventory-test", { ProductID: "SKU-1001" }],
    ["inventory-test", { ProductID: "SKU-1002" }],
    ["orders-test", { orderId: ORDER_ID }],
  ]);
  // What the conditions do (no oversell, the bands, once per order) is proven against dynalite.
  expect(items[0].Update).toMatchObject({
    UpdateExpression: "SET stock = stock + :delta, #log = list_append(#log, :entry)",
    ConditionExpression: "attribute_exists(flushed) AND size(#log) < :max AND stock > :tt",
    ExpressionAttributeValues: {
      ":delta": -2,
      ":tt": 7, // the default threshold (5) and the 2 taken: the stock stays above the threshold
      ":entry": [{ kind: "sale", orderId: ORDER_ID, delta: -2, at: expect.any(String) }],
    },
  });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

test("a line the validation saw about to cross its threshold: the crossing band, a lowStock movement, the operators told once with the exact stock left", async () => {
  sns.on(PublishCommand).resolves({});
  dynamo.on(BatchGetCommand).resolves({
    Responses: {
      "inventory-test": [
        product("SKU-1001", 5, [
          { kind: "sale", orderId: ORDER_ID, delta: -2, at: "2026-12-07T10:00:00.000Z", lowStock: true },
        ]),
      ],
    },
  });
  await handler(input(7), context);
  expect(transactItems()[0].Update).toMatchObject({
    ConditionExpression:
      "attribute_exists(flushed) AND size(#log) < :max AND stock >= :take AND stock > :t AND stock <= :tt",
    ExpressionAttributeValues: {
      ":take": 2,
      ":t": 5,
      ":tt": 7,
      ":entry": [expect.objectContaining({ lowStock: true })],
    },
  });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  expect(sns.commandCalls(PublishCommand)[0].args[0].input).toMatchObject({
    TopicArn: "arn:aws:sns:us-east-1:123456789012:order-alerts-test",
    Subject: "Low stock: SKU-1001 has 5 left",
    Message: expect.stringContaining("5 left, threshold 5"),
  });
});

test("a line whose stock moved to another band meanwhile: read, planned again in its band", async () => {
  dynamo
    .on(TransactWriteCommand)
    .rejectsOnce(cancelled("ConditionalCheckFailed", "None", "None"))
    .resolves({});
  stocked(3, 50);
  await expect(handler(input(), context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(1);
  expect(transactItems(1)[0].Update?.ConditionExpression).toContain("stock >= :take AND stock <= :t");
  expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
});

test("a short line is an OutOfStock business error naming it, with nothing written after the read", async () => {
  dynamo.on(TransactWriteCommand).rejectsOnce(cancelled("None", "ConditionalCheckFailed", "None"));
  stocked(50, 0);
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING" } });
  await expect(handler(input(), context)).rejects.toMatchObject({
    name: "OutOfStock",
    message: expect.stringContaining("SKU-1002"),
  });
  expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
});

test("a replay after the order was reserved decrements nothing", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING", inventoryReserved: true } });
  await expect(handler(input(), context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "already-reserved",
  });
});

test("an order cancelled before its stock was reserved is an OrderCancelled business error, nothing taken", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  dynamo.on(GetCommand).resolves({ Item: { status: "CANCELLED" } });
  await expect(handler(input(), context)).rejects.toMatchObject({ name: "OrderCancelled" });
  const marker = transactItems()[2]?.Update;
  expect(marker?.ConditionExpression).toContain("#status <> :cancelled");
  expect(marker?.ExpressionAttributeValues).toMatchObject({ ":cancelled": "CANCELLED" });
});

test("lines without the validation's read (an older execution's input) are read first", async () => {
  const { items } = input();
  await handler(
    { orderId: ORDER_ID, items: items.map(({ productId, quantity }) => ({ productId, quantity })) },
    context,
  );
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(1);
  expect(transactItems()[0].Update?.ExpressionAttributeValues).toMatchObject({ ":tt": 7 });
});

test("a message that cannot be sent leaves the committed reservation reserved", async () => {
  sns.on(PublishCommand).rejects(new Error("SNS down"));
  dynamo.on(BatchGetCommand).resolves({
    Responses: {
      "inventory-test": [product("SKU-1001", 4, [{ kind: "sale", orderId: ORDER_ID, delta: -2, at: "x" }])],
    },
  });
  await expect(handler(input(6), context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
});

test("invalid task input is rejected before any read or write", async () => {
  await expect(handler({ orderId: ORDER_ID, items: [] }, context)).rejects.toMatchObject({
    name: "$ZodError",
  });
  expect(dynamo.calls()).toHaveLength(0);
});

test("release (compensation) gives the stock back with its movements and clears the marker in one transaction", async () => {
  await expect(handler({ ...input(), action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "released",
  });
  expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
  const items = transactItems();
  expect(items.map((i) => i.Update?.Key)).toEqual([
    { ProductID: "SKU-1001" },
    { ProductID: "SKU-1002" },
    { orderId: ORDER_ID },
  ]);
  expect(items[0].Update?.ExpressionAttributeValues).toMatchObject({
    ":delta": 2,
    ":entry": [expect.objectContaining({ kind: "release", orderId: ORDER_ID })],
  });
  expect(items[0].Update?.ConditionExpression).toBe("attribute_exists(flushed) AND size(#log) < :max");
  expect(items[2].Update?.ConditionExpression).toBe("inventoryReserved = :true");
});

test("release for an order that reserved nothing changes nothing", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  await expect(handler({ ...input(), action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "nothing-reserved",
  });
});
