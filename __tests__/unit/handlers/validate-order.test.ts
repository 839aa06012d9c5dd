import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/validate-order/handler";
import { context, ORDER_ID } from "../../support/events";
import { orderRecord } from "../../support/orders";

const dynamo = mockClient(DynamoDBDocumentClient);
const product = (id: string, priceMinor: number, stock: number) => ({
  ProductID: id,
  name: `Product ${id}`,
  priceMinor,
  currency: "USD",
  stock,
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({ Item: orderRecord() });
  dynamo.on(BatchGetCommand).resolves({
    Responses: { "inventory-test": [product("SKU-1001", 1999, 10), product("SKU-1002", 5950, 1)] },
  });
  dynamo.on(UpdateCommand).resolves({});
});

const pricedLines = [
  {
    productId: "SKU-1001",
    name: "Product SKU-1001",
    quantity: 2,
    unitPriceMinor: 1999,
    lineTotalMinor: 3998,
  },
  {
    productId: "SKU-1002",
    name: "Product SKU-1002",
    quantity: 1,
    unitPriceMinor: 5950,
    lineTotalMinor: 5950,
  },
];

test("prices the order from InventoryTable and only reads: ProcessPayment records the lines", async () => {
  const result = await handler({ orderId: ORDER_ID }, context);
  expect(result).toEqual({
    orderId: ORDER_ID,
    totalMinor: 2 * 1999 + 5950,
    currency: "USD",
    items: [
      { productId: "SKU-1001", quantity: 2 },
      { productId: "SKU-1002", quantity: 1 },
    ],
    lines: pricedLines,
  });
  expect(dynamo).toHaveReceivedCommandWith(BatchGetCommand, {
    RequestItems: {
      "inventory-test": {
        Keys: [{ ProductID: "SKU-1001" }, { ProductID: "SKU-1002" }],
        ConsistentRead: true,
      },
    },
  });
  expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
});

test("items carried by the execution's input are priced without reading the order: one call", async () => {
  const items = [{ productId: "SKU-1002", quantity: 1 }];
  await expect(handler({ orderId: ORDER_ID, items }, context)).resolves.toMatchObject({
    totalMinor: 5950,
    items,
  });
  expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  expect(dynamo.calls()).toHaveLength(1);
});

test("retries unprocessed keys until every product is answered", async () => {
  dynamo
    .on(BatchGetCommand)
    .resolvesOnce({
      Responses: { "inventory-test": [product("SKU-1001", 1999, 10)] },
      UnprocessedKeys: { "inventory-test": { Keys: [{ ProductID: "SKU-1002" }] } },
    })
    .resolves({ Responses: { "inventory-test": [product("SKU-1002", 5950, 1)] } });
  await expect(handler({ orderId: ORDER_ID }, context)).resolves.toMatchObject({ totalMinor: 9948 });
  expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 2);
});

test("an unknown product is a ProductNotFound business error", async () => {
  dynamo.on(BatchGetCommand).resolves({ Responses: { "inventory-test": [product("SKU-1001", 1999, 10)] } });
  await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
    name: "ProductNotFound",
    message: "Unknown product: SKU-1002.",
  });
  expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
});

test("a product taken off sale is a ProductUnavailable business error, however much is in stock", async () => {
  dynamo.on(BatchGetCommand).resolves({
    Responses: {
      "inventory-test": [product("SKU-1001", 1999, 10), { ...product("SKU-1002", 5950, 50), active: false }],
    },
  });
  await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
    name: "ProductUnavailable",
    message: "Not on sale: SKU-1002.",
  });
  expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
});

test("insufficient stock is an InsufficientStock business error naming the product", async () => {
  dynamo.on(GetCommand).resolves({ Item: orderRecord({ items: [{ productId: "SKU-1002", quantity: 3 }] }) });
  await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
    name: "InsufficientStock",
    message: expect.stringContaining("3 requested, 1 in stock"),
  });
});

test("a missing order is OrderNotFound", async () => {
  dynamo.on(GetCommand).resolves({});
  await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({ name: "OrderNotFound" });
});

test("a retried step (order already PROCESSING) validates again without error", async () => {
  dynamo.on(GetCommand).resolves({ Item: orderRecord({ status: "PROCESSING" }) });
  await expect(handler({ orderId: ORDER_ID }, context)).resolves.toMatchObject({ totalMinor: 9948 });
});

test("DynamoDB throttling surfaces with its own name, which the workflow retries", async () => {
  dynamo
    .on(BatchGetCommand)
    .rejects(new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }));
  await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
    name: "ProvisionedThroughputExceededException",
  });
});

test("invalid task input is rejected before any read", async () => {
  await expect(handler({ orderId: "nope" }, context)).rejects.toMatchObject({ name: "$ZodError" });
  expect(dynamo.calls()).toHaveLength(0);
});
