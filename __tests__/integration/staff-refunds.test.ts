/**
 * Staff refunds (AfterSale) against a real DynamoDB (dynalite): the request's record and the amount
 * set aside on the order are one transaction, so partial refunds add up to at most the charge, a
 * retried request refunds once, and concurrent requests cannot together refund too much.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createHandler } from "../../lambdas/after-sale/handler";
import { minorUnitsOf } from "../../lambdas/platform/money";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { DynamoDbRefundLedger } from "../../lambdas/payments/adapters/dynamodb-refund-ledger";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import { BusinessError } from "../../lambdas/platform/errors";
import type { OrderRecord } from "../../lambdas/orders/order";
import type { PaymentGateway } from "../../lambdas/payments/ports";
import { apiEvent, BUYER, context, signedIn, STAFF_MEMBER, type TestCustomer } from "../support/events";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { CountingGateway, InMemorySuppressionList, RecordingMailer } from "../support/fakes";
import { orderRecord } from "../support/orders";

jest.setTimeout(30_000);

let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

async function system(
  order: Partial<OrderRecord> = {},
  inner: PaymentGateway = new SimulatedPaymentGateway(),
) {
  const orderId = randomUUID();
  await database.client.send(
    new PutCommand({
      TableName: database.tables.orders,
      Item: orderRecord({
        orderId,
        status: "CONFIRMED",
        totalMinor: 2500,
        currency: "USD",
        payment: {
          status: "CHARGED",
          chargeId: `ch_${orderId.slice(0, 8)}`,
          amountMinor: 2500,
          provider: "simulated",
        },
        ...order,
      }),
    }),
  );
  const gateway = new CountingGateway(inner);
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  const mailer = new RecordingMailer();
  const handler = createHandler({
    refunds: new DynamoDbRefundLedger(database.client, database.tables.orders, database.tables.orderKeys),
    orders,
    suppressions: new InMemorySuppressionList(),
    mailer,
    current: "simulated",
    gateways: { simulated: gateway },
  });
  const refund = (body: unknown, key: string | null = randomUUID(), who: TestCustomer = STAFF_MEMBER) =>
    handler(
      apiEvent({
        resource: "/orders/{orderId}/refunds",
        path: `/orders/${orderId}/refunds`,
        httpMethod: "POST",
        pathParameters: { orderId },
        headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
        body: JSON.stringify(body),
        requestContext: signedIn(who),
      }),
      context,
    );
  return { orderId, gateway, mailer, refund, read: async () => (await orders.get(orderId))! };
}

const body = (answer: APIGatewayProxyResult) => JSON.parse(answer.body) as Record<string, unknown>;

test("partial, partial, then more than is left: 409 with what is left, nothing refunded twice; the rest refunds it all", async () => {
  const { gateway, mailer, refund, read } = await system();
  const first = await refund({ amount: "10.00", reason: "Damaged box" });
  expect(first.statusCode).toBe(201);
  expect(body(first)).toMatchObject({
    refund: { amount: 10, reason: "Damaged box", by: STAFF_MEMBER.sub, id: expect.stringMatching(/^re_/) },
    refundedTotal: 10,
    paymentStatus: "PARTIALLY_REFUNDED",
  });
  expect((await refund({ amount: 5, reason: "Late delivery" })).statusCode).toBe(201);
  const over = await refund({ amount: "10.01", reason: "Goodwill" });
  expect(over.statusCode).toBe(409);
  expect(body(over)).toMatchObject({ error: { code: "REFUND_EXCEEDS_CHARGE", details: { refundable: 10 } } });
  const rest = await refund({ amount: "10", reason: "Goodwill" });
  expect(body(rest)).toMatchObject({ refundedTotal: 25, paymentStatus: "REFUNDED" });
  expect(gateway.refunds.map((r) => r.amountMinor)).toEqual([1000, 500, 1000]);
  const order = await read();
  expect(order.refundedTotal).toBe(2500);
  expect(order.refunds?.map((r) => [r.amountMinor, r.reason, r.by])).toEqual([
    [1000, "Damaged box", STAFF_MEMBER.sub],
    [500, "Late delivery", STAFF_MEMBER.sub],
    [1000, "Goodwill", STAFF_MEMBER.sub],
  ]);
  // Every refund under its own key, derived from its request.
  expect(new Set(gateway.refunds.map((r) => r.refundKey)).size).toBe(3);
  // The customer hears of each refund once, with its amount, its reason and the total so far.
  expect(mailer.sent.map((m) => [m.kind, m.to, m.data])).toEqual([
    ["refund", "buyer@example.com", expect.objectContaining({ amount: "10.00 USD", reason: "Damaged box" })],
    [
      "refund",
      "buyer@example.com",
      expect.objectContaining({ amount: "5.00 USD", refundedTotal: "15.00 USD" }),
    ],
    [
      "refund",
      "buyer@example.com",
      expect.objectContaining({ amount: "10.00 USD", refundedTotal: "25.00 USD" }),
    ],
  ]);
});

test("a retried request (the same Idempotency-Key) refunds once and answers the same refund; another body is 409", async () => {
  const { gateway, mailer, refund, read } = await system();
  mailer.failNext(Object.assign(new Error("SES is down"), { name: "ServiceUnavailable" }));
  const first = await refund({ amount: "7.50", reason: "Missing item" }, "refund-key-1");
  // The refund stands though its e-mail could not go; the retried request sends it, once.
  expect(first.statusCode).toBe(201);
  expect(mailer.sent).toHaveLength(0);
  const again = await refund({ amount: "7.50", reason: "Missing item" }, "refund-key-1");
  expect(mailer.sent.map((m) => m.kind)).toEqual(["refund"]);
  await refund({ amount: "7.50", reason: "Missing item" }, "refund-key-1");
  expect(mailer.sent).toHaveLength(1);
  expect(again.statusCode).toBe(200);
  expect(again.headers).toMatchObject({ "Idempotent-Replayed": "true" });
  expect(body(again).refund).toEqual(body(first).refund);
  expect(gateway.refunds).toHaveLength(1);
  const other = await refund({ amount: "8.00", reason: "Missing item" }, "refund-key-1");
  expect(other.statusCode).toBe(409);
  expect(body(other)).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
  expect((await read()).refundedTotal).toBe(750);
});

test("a replay that reads the ledger while the first request completes answers with that refund and mails it right", async () => {
  // Request A is inside the provider's refund; request B (the same key) starts reading meanwhile and
  // A completes between B's reads. Whatever B read first, its answer and the e-mail name A's refund.
  let enterProvider!: () => void;
  let releaseProvider!: () => void;
  const inProvider = new Promise<void>((r) => (enterProvider = r));
  const providerMayAnswer = new Promise<void>((r) => (releaseProvider = r));
  class HeldGateway extends SimulatedPaymentGateway {
    override async refund(request: Parameters<PaymentGateway["refund"]>[0]) {
      enterProvider();
      await providerMayAnswer;
      return super.refund(request);
    }
  }
  const s = await system({}, new HeldGateway());
  let keyReadHeld!: () => void;
  let releaseKeyRead!: () => void;
  const bHoldsKeyRead = new Promise<void>((r) => (keyReadHeld = r));
  const keyReadMayGo = new Promise<void>((r) => (releaseKeyRead = r));
  const heldClient = new Proxy(database.client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return async (command: { input: { TableName?: string } }) => {
        if (command instanceof GetCommand && command.input.TableName === database.tables.orderKeys) {
          keyReadHeld();
          await keyReadMayGo;
        }
        return target.send(command as never);
      };
    },
  });
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  const replayHandler = createHandler({
    refunds: new DynamoDbRefundLedger(heldClient, database.tables.orders, database.tables.orderKeys),
    orders,
    suppressions: new InMemorySuppressionList(),
    mailer: s.mailer,
    current: "simulated",
    gateways: { simulated: s.gateway },
  });
  const request = { amount: "6.00", reason: "Scratched" };
  const first = s.refund(request, "same-key");
  await inProvider;
  const replay = replayHandler(
    apiEvent({
      resource: "/orders/{orderId}/refunds",
      path: `/orders/${s.orderId}/refunds`,
      httpMethod: "POST",
      pathParameters: { orderId: s.orderId },
      headers: { "Content-Type": "application/json", "Idempotency-Key": "same-key" },
      body: JSON.stringify(request),
      requestContext: signedIn(STAFF_MEMBER),
    }),
    context,
  );
  await bHoldsKeyRead;
  releaseProvider();
  const made = body(await first);
  releaseKeyRead();
  const replayed = await replay;
  expect(replayed.statusCode).toBe(200);
  expect(body(replayed).refund).toEqual(made.refund);
  expect(made.refund).toMatchObject({ amount: 6, reason: "Scratched" });
  expect(s.gateway.refunds).toHaveLength(1);
  expect(s.mailer.sent.map((m) => m.data)).toEqual([
    expect.objectContaining({ amount: "6.00 USD", reason: "Scratched" }),
  ]);
});

test("two requests at once that together exceed the charge: one refund, one 409", async () => {
  const { gateway, refund, read } = await system();
  const answers = await Promise.all([
    refund({ amount: "15.00", reason: "A" }),
    refund({ amount: "15.00", reason: "B" }),
  ]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
  expect(gateway.refunds).toHaveLength(1);
  expect((await read()).refundedTotal).toBe(1500);
});

test("two requests at once that together refund it all: both made, and the payment ends REFUNDED", async () => {
  const { gateway, refund, read } = await system();
  const answers = await Promise.all([
    refund({ amount: "10.00", reason: "A" }),
    refund({ amount: "15.00", reason: "B" }),
  ]);
  expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
  expect(gateway.refunds).toHaveLength(2);
  const order = await read();
  expect(order.payment?.status).toBe("REFUNDED");
  expect(order.refunds).toHaveLength(2);
});

test("the provider refuses: 502, nothing set aside, and the same request may be made again", async () => {
  let refuse = true;
  const inner = new SimulatedPaymentGateway();
  const flaky: PaymentGateway = Object.assign(Object.create(inner) as SimulatedPaymentGateway, {
    refund: async (request: Parameters<PaymentGateway["refund"]>[0]) => {
      if (refuse)
        throw new BusinessError("PaymentDeclined", "The refund was declined (insufficient balance).");
      return inner.refund(request);
    },
  });
  const { refund, read } = await system({}, flaky);
  const refused = await refund({ amount: "5.00", reason: "Goodwill" }, "retry-me");
  expect(refused.statusCode).toBe(502);
  expect(body(refused)).toMatchObject({ error: { code: "REFUND_FAILED" } });
  expect((await read()).refundedTotal ?? 0).toBe(0);
  refuse = false;
  expect((await refund({ amount: "5.00", reason: "Goodwill" }, "retry-me")).statusCode).toBe(201);
  expect((await read()).refundedTotal).toBe(500);
});

test.each<[string, Partial<OrderRecord>]>([
  ["still PROCESSING", { status: "PROCESSING" }],
  ["FAILED without a payment", { status: "FAILED", payment: undefined }],
  [
    "waiting for 3-D Secure",
    { status: "PROCESSING", payment: { status: "REQUIRES_ACTION", chargeId: "pi_1", amountMinor: 2500 } },
  ],
])("an order %s cannot be refunded (409); nothing reaches the provider", async (_, order) => {
  const { gateway, refund } = await system(order);
  const answer = await refund({ amount: "1.00", reason: "Test" });
  expect(answer.statusCode).toBe(409);
  expect(body(answer)).toMatchObject({ error: { code: "ORDER_NOT_REFUNDABLE" } });
  expect(gateway.refunds).toEqual([]);
});

test("only staff refund: a customer gets 403, no sign-in 401; bad requests get 400 with their own code", async () => {
  const { gateway, refund } = await system();
  expect(body(await refund({ amount: "1.00", reason: "Mine" }, undefined, BUYER))).toMatchObject({
    error: { code: "STAFF_ONLY" },
  });
  expect((await refund({ amount: "1.00", reason: "x" }, null)).statusCode).toBe(400);
  for (const [request, code] of [
    [{ amount: "-1", reason: "x" }, "INVALID_AMOUNT"],
    [{ amount: "1.005", reason: "x" }, "INVALID_AMOUNT"],
    [{ amount: "0", reason: "x" }, "INVALID_AMOUNT"],
    [{ amount: "1.00", reason: " " }, "INVALID_REASON"],
    [{ amount: "1.00", reason: "x", extra: true }, "INVALID_BODY"],
  ] as const) {
    const answer = await refund(request);
    expect([answer.statusCode, body(answer)]).toMatchObject([400, { error: { code } }]);
  }
  expect(gateway.refunds).toEqual([]);
});

test.each([
  ["12.50", 1250],
  [12.5, 1250],
  ["0.01", 1],
  ["100", 10000],
  ["1.5", 150],
])("amount %j is %i minor units, exactly", (amount, minor) => {
  expect(minorUnitsOf(amount)).toBe(minor);
});
