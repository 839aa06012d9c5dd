import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/seed-inventory/handler";
import catalog from "../../../lambdas/catalog/catalog.json";
import { context } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  dynamo.reset();
  dynamo.on(TransactWriteCommand).resolves({});
});

test("the committed catalog has 10-20 products, one of them easy to sell out", () => {
  expect(catalog.products.length).toBeGreaterThanOrEqual(10);
  expect(catalog.products.length).toBeLessThanOrEqual(20);
  expect(catalog.products.some((p) => p.stock <= 20)).toBe(true);
});

// That an existing product is never overwritten is proven against dynalite (dynamodb-integration).
test("writes every product with its opening movement, prices in minor units", async () => {
  const result = await handler(catalog, context);
  expect(result.created).toHaveLength(catalog.products.length);
  const [first] = dynamo.commandCalls(TransactWriteCommand);
  const [product] = first.args[0].input.TransactItems ?? [];
  expect(product.Put).toMatchObject({
    TableName: "inventory-test",
    Item: {
      ProductID: "SKU-1001",
      name: "Classic Cotton T-Shirt",
      priceMinor: 1999,
      currency: "USD",
      stock: 250,
      active: true,
      // Its opening stock is its first movement, in its own log (copied to the movements table later).
      flushed: 0,
      log: [
        { kind: "adjustment", reason: "received", by: "catalogue-seed", delta: 250, at: expect.any(String) },
      ],
    },
    ConditionExpression: "attribute_not_exists(#id)",
  });
});

test("a second run keeps existing stock (safe to run twice)", async () => {
  dynamo.on(TransactWriteCommand).rejects(
    new TransactionCanceledException({
      message: "exists",
      $metadata: {},
      CancellationReasons: [{ Code: "ConditionalCheckFailed" }],
    }),
  );
  const result = await handler({}, context);
  expect(result).toEqual({ created: [], existing: catalog.products.map((p) => p.productId) });
});

test("a malformed catalog is rejected before any write", async () => {
  await expect(
    handler({ currency: "USD", products: [{ productId: "X", name: "x", price: -1, stock: 1 }] }, context),
  ).rejects.toMatchObject({ name: "$ZodError" });
  expect(dynamo.calls()).toHaveLength(0);
});
