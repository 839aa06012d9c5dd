/**
 * The customer-data adapter against a real DynamoDB (dynalite), where its guarantees live: every
 * order of a customer is found however many pages of the customer index they fill (so every one is
 * exported and erased), and the erasure's own write refuses an order that is not that customer's,
 * whatever the caller passes it.
 */
import { PutCommand, QueryCommand, type ServiceInputTypes } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "node:crypto";
import { DynamoDbCustomerData } from "../../lambdas/customers/adapters/dynamodb-customer-data";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { ERASED_ADDRESS } from "../../lambdas/customers/personal-data";
import type { OrderRecord } from "../../lambdas/orders/order";

type OrderLine = NonNullable<OrderRecord["lines"]>[number];
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { orderRecord } from "../support/orders";

jest.setTimeout(60_000);

let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

/** An order whose index entry is ~300 KB (the index projects its lines): four fill more than a 1 MB page. */
function bulkyLines(): OrderLine[] {
  const name = "x".repeat(6_000);
  return Array.from({ length: 50 }, (_, i) => ({
    productId: `SKU-${i}`,
    name,
    quantity: 1,
    unitPriceMinor: 100,
    lineTotalMinor: 100,
  }));
}

test("a customer whose orders fill several pages of the index: every one is read, exported and erased", async () => {
  const customerId = randomUUID();
  const store = new DynamoDbCustomerData(database.client, database.tables.orders, database.tables.orderKeys);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const orderId = randomUUID();
    ids.push(orderId);
    await database.client.send(
      new PutCommand({
        TableName: database.tables.orders,
        Item: orderRecord({
          orderId,
          customerId,
          lines: bulkyLines(),
          createdAt: `2026-12-0${i + 1}T10:00:00.000Z`,
        }),
      }),
    );
  }
  // The index really answers in more than one page (so reading one page only would miss orders).
  const queries: ServiceInputTypes[] = [];
  const send = database.client.send.bind(database.client);
  const spy = jest.spyOn(database.client, "send").mockImplementation(((command: {
    input: ServiceInputTypes;
  }) => {
    if (command instanceof QueryCommand) queries.push(command.input);
    return send(command as never);
  }) as never);
  try {
    const orders = await store.ordersOf(customerId);
    expect(orders.map((o) => o.orderId).sort()).toEqual([...ids].sort());
    expect(queries.length).toBeGreaterThan(1);
  } finally {
    spy.mockRestore();
  }
  for (const orderId of ids) {
    expect(await store.eraseOrder(orderId, customerId, "2026-12-07T00:00:00.000Z")).toBe(true);
  }
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  for (const orderId of ids) expect((await orders.get(orderId))?.customerEmail).toBe(ERASED_ADDRESS);
});

test("the erasure's write is conditional on the order being that customer's: another's order is left alone", async () => {
  const owner = randomUUID();
  const someoneElse = randomUUID();
  const orderId = randomUUID();
  await database.client.send(
    new PutCommand({
      TableName: database.tables.orders,
      Item: orderRecord({ orderId, customerId: owner, idempotencyKey: "key-1" }),
    }),
  );
  const store = new DynamoDbCustomerData(database.client, database.tables.orders, database.tables.orderKeys);
  expect(await store.eraseOrder(orderId, someoneElse, "2026-12-07T00:00:00.000Z")).toBe(false);
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  expect(await orders.get(orderId)).toMatchObject({
    customerEmail: "buyer@example.com",
    idempotencyKey: "key-1",
  });
  expect(await orders.get(orderId)).not.toHaveProperty("personalDataErasedAt");
  // The owner's erasure does it, once.
  expect(await store.eraseOrder(orderId, owner, "2026-12-07T00:00:00.000Z")).toBe(true);
  expect(await store.eraseOrder(orderId, owner, "2026-12-07T00:00:01.000Z")).toBe(false);
  expect(await orders.get(orderId)).toMatchObject({
    customerEmail: ERASED_ADDRESS,
    personalDataErasedAt: "2026-12-07T00:00:00.000Z",
  });
});
