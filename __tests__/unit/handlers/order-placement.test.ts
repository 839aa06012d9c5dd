import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/order-placement/handler";
import { orderIdForKey } from "../../../lambdas/shared/ids";
import { apiEvent, BUYER, context, validOrder } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
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

/** The item the handler stores for a first request with this body: what a replay is compared with. */
async function storedItem(body: typeof validOrder, key: string): Promise<Record<string, unknown>> {
  dynamo.on(PutCommand).resolves({});
  await post(body, { "Idempotency-Key": key });
  const item = dynamo.commandCalls(PutCommand).at(-1)!.args[0].input.Item as Record<string, unknown>;
  dynamo.reset();
  sqs.reset();
  dynamo.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
  return item;
}

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
});

describe("POST /orders", () => {
  test("records a PENDING order with a conditional put, queues it and answers 202", async () => {
    const response = await post(validOrder, { "Idempotency-Key": "key-1" });
    expect(response.statusCode).toBe(202);
    const orderId = orderIdForKey("key-1", BUYER.sub);
    expect(json(response)).toEqual({ orderId, status: "PENDING", links: { self: `/orders/${orderId}` } });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: "orders-test",
      Item: expect.objectContaining({
        orderId,
        status: "PENDING",
        items: validOrder.items,
        customerEmail: "buyer@example.com",
      }),
    });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: process.env.ORDERS_QUEUE_URL,
      MessageBody: JSON.stringify({ orderId }),
    });
    // Marked as queued (what the mark and its condition do is proven against dynalite).
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { orderId } });
  });

  test("never stores client-sent prices: unknown fields are rejected", async () => {
    const response = await post({ ...validOrder, total: 0.01 });
    expect(response.statusCode).toBe(400);
    expect(json(response).error.code).toBe("UNKNOWN_FIELD");
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  test("a repeated Idempotency-Key with the same body returns the first order and queues nothing", async () => {
    const orderId = orderIdForKey("key-2", BUYER.sub);
    const first = await storedItem(validOrder, "key-2");
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({
      Item: { ...first, status: "PROCESSING", enqueuedAt: "2026-01-01T00:00:00Z" },
    });
    const response = await post(validOrder, { "idempotency-key": "key-2" });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "Idempotent-Replayed": "true" });
    expect(json(response)).toMatchObject({ orderId, status: "PROCESSING" });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  test("a repeated Idempotency-Key with a different body is a 409", async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({
      Item: { orderId: orderIdForKey("key-3", BUYER.sub), status: "PENDING", requestHash: "other" },
    });
    const response = await post(validOrder, { "Idempotency-Key": "key-3" });
    expect(response.statusCode).toBe(409);
    expect(json(response).error).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      message: expect.any(String),
    });
  });

  // Another e-mail is refused before the key is looked at: see customer-orders.test.ts.
  test.each([
    ["another payment token", { ...validOrder, paymentToken: "tok_mastercard" }],
    ["other items", { ...validOrder, items: [{ productId: "SKU-1001", quantity: 3 }] }],
  ])("the same Idempotency-Key with %s is a 409 and queues nothing", async (_, body) => {
    const first = await storedItem(validOrder, "key-6");
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: first });
    const response = await post(body, { "Idempotency-Key": "key-6" });
    expect(response.statusCode).toBe(409);
    expect(json(response).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  test("the same order with its items listed in another order is the same request", async () => {
    const first = await storedItem(validOrder, "key-7");
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...first, enqueuedAt: "2026-01-01T00:00:00Z" } });
    const response = await post(
      { ...validOrder, items: [...validOrder.items].reverse() },
      { "Idempotency-Key": "key-7" },
    );
    expect(response.statusCode).toBe(200);
  });

  test("a failed send answers 503 with the key to retry with, and gives the send claim back", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("SQS is unavailable"));
    const response = await post(validOrder, { "Idempotency-Key": "key-4" });
    expect(response.statusCode).toBe(503);
    expect(json(response).error).toMatchObject({
      code: "ORDER_NOT_QUEUED",
      details: { idempotencyKey: "key-4" },
    });
    // The claim is given back (proven against dynalite: the client's retry re-sends at once).
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { orderId: orderIdForKey("key-4", BUYER.sub) },
    });
    expect(response.body).not.toContain("SQS is unavailable");
  });

  test("the client's retry after a failed send re-sends the same order instead of creating another", async () => {
    const orderId = orderIdForKey("key-5", BUYER.sub);
    const first = await storedItem(validOrder, "key-5");
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo
      .on(GetCommand)
      .resolves({ Item: { ...first, enqueuedAt: undefined, enqueueClaimedAt: undefined } });
    const response = await post(validOrder, { "Idempotency-Key": "key-5" });
    expect(response.statusCode).toBe(200);
    expect(json(response).orderId).toBe(orderId);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  test("an order without a key gets a generated one, returned in the Idempotency-Key header", async () => {
    const response = await post(validOrder);
    expect(response.statusCode).toBe(202);
    const key = (response.headers as Record<string, string>)["Idempotency-Key"];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(json(response).orderId).toBe(orderIdForKey(key, BUYER.sub));
  });

  test("a DynamoDB outage is a 500 with the error body and no internals", async () => {
    dynamo
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }));
    const response = await post(validOrder);
    expect(response.statusCode).toBe(500);
    expect(json(response)).toEqual({
      error: { code: "INTERNAL_ERROR", message: expect.any(String), details: null },
    });
    expect(response.body).not.toMatch(/slow down|at .*\.ts/);
  });
});

describe("GET routes", () => {
  test("GET /orders/{orderId} returns the public view, never the payment token", async () => {
    const orderId = orderIdForKey("view", BUYER.sub);
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
    for (const orderId of [orderIdForKey("missing", BUYER.sub), "not-an-id"]) {
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
      products: [{ productId: "SKU-1", name: "One", price: 19.99, currency: "USD", stock: 4 }],
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
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ items: validOrder.items }),
    });
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
