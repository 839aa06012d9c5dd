import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/order-placement/handler";
import { idempotencyKeyHash, ORDER_ID_PATTERN } from "../../../lambdas/platform/ids";
import { apiEvent, BUYER, context, validOrder } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);

/** DynamoDB's answer when the transaction's first condition (the idempotency record) fails. */
const keyTaken = () =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
  });
const post = (body: unknown, headers: Record<string, string> = {}) =>
  handler(
    apiEvent({ body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...headers } }),
    context,
  );
const json = (r: { body: string }) => JSON.parse(r.body);
const getOrderEvent = (orderId: string) =>
  apiEvent({
    resource: "/orders/{orderId}",
    path: `/orders/${orderId}`,
    httpMethod: "GET",
    pathParameters: { orderId },
  });

type Put = {
  TableName: string;
  Item: Record<string, unknown>;
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
};
/** The two puts of the last order transaction: the idempotency record, then the order. */
function lastTransaction(): { key: Put; order: Put } {
  const items = dynamo.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems!;
  return { key: items[0].Put as Put, order: items[1].Put as Put };
}

/** The order the handler writes for a first request with this body: what a replay is compared with. */
async function storedOrder(body: typeof validOrder, key: string): Promise<Record<string, unknown>> {
  await post(body, { "Idempotency-Key": key });
  const item = lastTransaction().order.Item;
  dynamo.reset();
  dynamo.on(UpdateCommand).resolves({});
  return item;
}

/** The key is taken: the record names `order`, which the store then reads. */
function keyNames(order: Record<string, unknown>) {
  dynamo.on(TransactWriteCommand).rejects(keyTaken());
  dynamo.on(GetCommand, { TableName: "order-keys-test" }).resolves({ Item: { orderId: order.orderId } });
  dynamo.on(GetCommand, { TableName: "orders-test" }).resolves({ Item: order });
}

beforeEach(() => {
  dynamo.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

describe("POST /orders", () => {
  test("one transaction: the key record and the PENDING order under a random id; then 202", async () => {
    const response = await post(validOrder, { "Idempotency-Key": "key-1" });
    expect(response.statusCode).toBe(202);
    const { orderId } = json(response);
    expect(orderId).toMatch(ORDER_ID_PATTERN);
    expect(json(response)).toEqual({ orderId, status: "PENDING", links: { self: `/orders/${orderId}` } });
    const { key, order } = lastTransaction();
    // The key names the order for idempotency_key_ttl_hours (24 by default), then TTL removes it.
    const now = Number(key.ExpressionAttributeValues?.[":now"]);
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(5);
    expect(key).toEqual({
      TableName: "order-keys-test",
      Item: {
        keyHash: idempotencyKeyHash("key-1", BUYER.sub),
        orderId,
        createdAt: expect.any(String),
        expiresAt: now + 24 * 3600,
      },
      ConditionExpression: "attribute_not_exists(#key) OR #expires < :now",
      ExpressionAttributeNames: { "#key": "keyHash", "#expires": "expiresAt" },
      ExpressionAttributeValues: { ":now": now },
    });
    expect(order).toMatchObject({
      TableName: "orders-test",
      Item: { orderId, status: "PENDING", items: validOrder.items, customerEmail: "buyer@example.com" },
      ConditionExpression: "attribute_not_exists(orderId)",
    });
    // The one write is all: the table's stream queues the order, the function sends nothing.
    expect(dynamo.calls()).toHaveLength(1);
  });

  test("order ids are random: the same key from one customer on two deployments, or two keys, never collide", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add(json(await post(validOrder, { "Idempotency-Key": "same" })).orderId);
    expect(ids.size).toBe(20);
  });

  test("never stores client-sent prices: unknown fields are rejected", async () => {
    const response = await post({ ...validOrder, total: 0.01 });
    expect(response.statusCode).toBe(400);
    expect(json(response).error.code).toBe("UNKNOWN_FIELD");
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  test("a repeated Idempotency-Key with the same body returns the first order and writes nothing", async () => {
    const first = await storedOrder(validOrder, "key-2");
    keyNames({ ...first, status: "PROCESSING" });
    const response = await post(validOrder, { "idempotency-key": "key-2" });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "Idempotent-Replayed": "true", "Idempotency-Key": "key-2" });
    expect(json(response)).toMatchObject({ orderId: first.orderId, status: "PROCESSING" });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  test("a repeated Idempotency-Key with a different body is a 409 naming the first order", async () => {
    const first = await storedOrder(validOrder, "key-3");
    keyNames({ ...first, requestHash: "other" });
    const response = await post(validOrder, { "Idempotency-Key": "key-3" });
    expect(response.statusCode).toBe(409);
    expect(json(response).error).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      message: expect.any(String),
      details: { orderId: first.orderId },
    });
  });

  // Another e-mail is refused before the key is looked at: see customer-orders.test.ts.
  test.each([
    ["another payment token", { ...validOrder, paymentToken: "tok_mastercard" }],
    ["other items", { ...validOrder, items: [{ productId: "SKU-1001", quantity: 3 }] }],
  ])("the same Idempotency-Key with %s is a 409 and changes nothing", async (_, body) => {
    keyNames(await storedOrder(validOrder, "key-6"));
    const response = await post(body, { "Idempotency-Key": "key-6" });
    expect(response.statusCode).toBe(409);
    expect(json(response).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  test("the same order with its items listed in another order is the same request", async () => {
    keyNames(await storedOrder(validOrder, "key-7"));
    const response = await post(
      { ...validOrder, items: [...validOrder.items].reverse() },
      { "Idempotency-Key": "key-7" },
    );
    expect(response.statusCode).toBe(200);
  });

  test("a replay of a PENDING order asks the store to requeue it if stale (the store decides)", async () => {
    const first = await storedOrder(validOrder, "key-5");
    keyNames(first);
    const response = await post(validOrder, { "Idempotency-Key": "key-5" });
    expect(response.statusCode).toBe(200);
    expect(json(response).orderId).toBe(first.orderId);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { orderId: first.orderId },
      UpdateExpression: "SET requeuedAt = :now",
    });
  });

  test("a failed requeue still answers with the order: it exists, the client is never told it failed", async () => {
    keyNames(await storedOrder(validOrder, "key-8"));
    dynamo.on(UpdateCommand).rejects(new Error("DynamoDB hiccup"));
    const response = await post(validOrder, { "Idempotency-Key": "key-8" });
    expect(response.statusCode).toBe(200);
  });

  test("when the write's outcome is unknown the answer is a 503 with the key to retry with", async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error("socket hang up"));
    const response = await post(validOrder);
    expect(response.statusCode).toBe(503);
    const key = (response.headers as Record<string, string>)["Idempotency-Key"];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(json(response).error).toMatchObject({
      code: "ORDER_NOT_CONFIRMED_RECORDED",
      details: { idempotencyKey: key },
    });
    expect(response.headers).toMatchObject({ "Retry-After": "1" });
    expect(response.body).not.toContain("socket hang up");
  });

  test("an order without a key gets a generated one, returned in the Idempotency-Key header", async () => {
    const response = await post(validOrder);
    expect(response.statusCode).toBe(202);
    const key = (response.headers as Record<string, string>)["Idempotency-Key"];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(lastTransaction().key.Item.keyHash).toBe(idempotencyKeyHash(key, BUYER.sub));
  });

  test("a DynamoDB outage on a read is a 500 with the error body and no internals", async () => {
    dynamo
      .on(GetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }));
    const response = await handler(getOrderEvent("0d6f1c8e-2a4b-4c3d-8e9f-0a1b2c3d4e5f"), context);
    expect(response.statusCode).toBe(500);
    expect(json(response)).toEqual({
      error: { code: "INTERNAL_ERROR", message: expect.any(String), details: null },
    });
    expect(response.body).not.toMatch(/slow down|at .*\.ts/);
  });
});

describe("GET routes", () => {
  test("GET /orders/{orderId} returns the public view, never the payment token", async () => {
    const orderId = "0d6f1c8e-2a4b-4c3d-8e9f-0a1b2c3d4e5f";
    dynamo.on(GetCommand).resolves({
      Item: {
        orderId,
        status: "CONFIRMED",
        customerId: BUYER.sub,
        customerEmail: "buyer@example.com",
        paymentToken: "tok_visa",
        items: [{ productId: "SKU-1001", quantity: 2 }],
        lines: [
          { productId: "SKU-1001", name: "Tee", quantity: 2, unitPriceMinor: 1999, lineTotalMinor: 3998 },
        ],
        totalMinor: 3998,
        currency: "USD",
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-01-01T00:00:01Z",
      },
    });
    const response = await handler(getOrderEvent(orderId), context);
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      orderId,
      status: "CONFIRMED",
      items: [{ productId: "SKU-1001", name: "Tee", quantity: 2, unitPrice: 19.99, lineTotal: 39.98 }],
      total: 39.98,
      currency: "USD",
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:01Z",
    });
    expect(response.body).not.toContain("tok_visa");
  });

  test("GET /orders/{orderId} for an unknown or malformed id is a 404 with an error body", async () => {
    dynamo.on(GetCommand).resolves({});
    for (const orderId of ["0d6f1c8e-2a4b-4c3d-8e9f-0a1b2c3d4e5f", "not-an-id"]) {
      const response = await handler(getOrderEvent(orderId), context);
      expect(response.statusCode).toBe(404);
      expect(json(response).error.code).toBe("ORDER_NOT_FOUND");
    }
  });

  test("GET /products lists the catalog with prices in major units", async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [{ ProductID: "SKU-1", name: "One", priceMinor: 1999, currency: "USD", stock: 4 }],
    });
    const response = await handler(
      apiEvent({ resource: "/products", path: "/products", httpMethod: "GET" }),
      context,
    );
    expect(json(response)).toEqual({
      products: [
        { productId: "SKU-1", name: "One", price: 19.99, currency: "USD", stock: 4, available: true },
      ],
      nextCursor: null,
    });
  });
});

describe("the root method", () => {
  test("POST / places an order like POST /orders", async () => {
    const response = await handler(
      apiEvent({ resource: "/", path: "/", body: JSON.stringify(validOrder) }),
      context,
    );
    expect(response.statusCode).toBe(202);
  });

  test("GET / takes the order from query parameters", async () => {
    const response = await handler(
      apiEvent({
        resource: "/",
        path: "/",
        httpMethod: "GET",
        queryStringParameters: {
          customerEmail: "buyer@example.com",
          paymentToken: "tok_visa",
          items: "SKU-1001:2,SKU-1002:1",
        },
      }),
      context,
    );
    expect(response.statusCode).toBe(202);
    expect(lastTransaction().order.Item).toMatchObject({ items: validOrder.items });
  });

  test("GET / with a malformed items parameter is a 400", async () => {
    const response = await handler(
      apiEvent({
        resource: "/",
        path: "/",
        httpMethod: "GET",
        queryStringParameters: { items: "SKU-1001", customerEmail: "a@b.co", paymentToken: "tok_visa" },
      }),
      context,
    );
    expect(response.statusCode).toBe(400);
    expect(json(response).error.code).toBe("INVALID_ITEMS");
  });
});
