import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/seed-inventory/handler";
import catalog from "../../../lambdas/catalog/catalog.json";
import { context } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
});

test("the committed catalog has 10-20 products, one of them easy to sell out", () => {
  expect(catalog.products.length).toBeGreaterThanOrEqual(10);
  expect(catalog.products.length).toBeLessThanOrEqual(20);
  expect(catalog.products.some((p) => p.stock <= 20)).toBe(true);
});

// That an existing product is never overwritten is proven against dynalite (dynamodb-integration).
test("writes every product, prices in minor units", async () => {
  const result = await handler(catalog, context);
  expect(result.created).toHaveLength(catalog.products.length);
  expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
    TableName: "inventory-test",
    Item: {
      ProductID: "SKU-1001",
      name: "Classic Cotton T-Shirt",
      priceMinor: 1999,
      currency: "USD",
      stock: 250,
      active: true,
    },
  });
});

test("a second run keeps existing stock (safe to run twice)", async () => {
  dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
  const result = await handler({}, context);
  expect(result).toEqual({ created: [], existing: catalog.products.map((p) => p.productId) });
});

test("a malformed catalog is rejected before any write", async () => {
  await expect(
    handler({ currency: "USD", products: [{ productId: "X", name: "x", price: -1, stock: 1 }] }, context),
  ).rejects.toMatchObject({ name: "$ZodError" });
  expect(dynamo.calls()).toHaveLength(0);
});
