import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/update-inventory/handler";
import { context, ORDER_ID } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);
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

beforeEach(() => {
  dynamo.reset();
  dynamo.on(TransactWriteCommand).resolves({});
});

test("decrements every line and sets the order marker in one transaction, token = orderId", async () => {
  await expect(handler(input, context)).resolves.toEqual({ orderId: ORDER_ID, inventory: "reserved" });
  const [call] = dynamo.commandCalls(TransactWriteCommand);
  const request = call.args[0].input;
  expect(request.ClientRequestToken).toBe(ORDER_ID);
  expect(request.TransactItems).toHaveLength(3);
  // What the conditions do (no oversell, once per order) is proven against dynalite.
  expect(request.TransactItems?.map((item) => [item.Update?.TableName, item.Update?.Key])).toEqual([
    ["inventory-test", { ProductID: "SKU-1001" }],
    ["inventory-test", { ProductID: "SKU-1002" }],
    ["orders-test", { orderId: ORDER_ID }],
  ]);
  expect(request.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toEqual({ ":qty": 2 });
});

test("a short line cancels the transaction as an OutOfStock business error naming it", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "ConditionalCheckFailed", "None"));
  await expect(handler(input, context)).rejects.toMatchObject({
    name: "OutOfStock",
    message: expect.stringContaining("SKU-1002"),
  });
});

test("a replay after the order was reserved decrements nothing", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  dynamo.on(GetCommand).resolves({ Item: { status: "PROCESSING", inventoryReserved: true } });
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

test("a transaction conflict stays a transient TransactionCanceledException for the workflow to retry", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("TransactionConflict", "None", "None"));
  await expect(handler(input, context)).rejects.toMatchObject({ name: "TransactionCanceledException" });
});

test("invalid task input is rejected before any write", async () => {
  await expect(handler({ orderId: ORDER_ID, items: [] }, context)).rejects.toMatchObject({
    name: "$ZodError",
  });
  expect(dynamo.calls()).toHaveLength(0);
});

test("release (compensation) gives the stock back and clears the marker in one transaction", async () => {
  await expect(handler({ ...input, action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "released",
  });
  const request = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input;
  expect(request.ClientRequestToken).toBeUndefined();
  expect(request.TransactItems?.map((item) => item.Update?.Key)).toEqual([
    { ProductID: "SKU-1001" },
    { ProductID: "SKU-1002" },
    { orderId: ORDER_ID },
  ]);
  expect(request.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toEqual({ ":qty": 2 });
});

test("release for an order that reserved nothing changes nothing", async () => {
  dynamo.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
  await expect(handler({ ...input, action: "release" }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    inventory: "nothing-reserved",
  });
});
