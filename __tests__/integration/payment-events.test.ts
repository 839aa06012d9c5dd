/**
 * PaymentEvents end to end against a real DynamoDB (dynalite): Stripe's signature checked by the
 * Stripe SDK (headers made with its own test helper), each event applied once by Powertools
 * Idempotency on the idempotency-key table, outcomes written by the real conditional writes, and the
 * waiting step's callbacks recorded.
 */
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import Stripe from "stripe";
import { powertoolsApplyOnce } from "../../lambdas/payments/adapters/powertools-apply-once";
import { createHandler } from "../../lambdas/payment-events/handler";
import { type EventResult } from "../../lambdas/payments/provider-events";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { DynamoDbPaymentRecords } from "../../lambdas/payments/adapters/dynamodb-payment-records";
import type { OrderRecord, PaymentRecord } from "../../lambdas/orders/order";
import type { WorkflowCallbacks } from "../../lambdas/workflow/ports";
import { apiEvent, context as testContext } from "../support/events";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { orderRecord } from "../support/orders";

jest.setTimeout(30_000);

const SECRET = "whsec_test_payment_events";
let database: TestDatabase;
let raw: DynamoDBClient;
beforeAll(async () => {
  database = await startTestDatabase();
  raw = database.raw;
});
afterAll(async () => {
  await database?.close();
});

/** Records what the waiting step was told; `gone` once a token was answered (as Step Functions). */
class RecordingCallbacks implements WorkflowCallbacks {
  readonly calls: { token: string; kind: "succeed" | "fail"; detail: unknown }[] = [];
  async succeed(token: string, output: unknown) {
    const gone = this.calls.some((c) => c.token === token);
    this.calls.push({ token, kind: "succeed", detail: output });
    return gone ? ("gone" as const) : ("delivered" as const);
  }
  async fail(token: string, error: string, cause: string) {
    const gone = this.calls.some((c) => c.token === token);
    this.calls.push({ token, kind: "fail", detail: { error, cause: JSON.parse(cause) as unknown } });
    return gone ? ("gone" as const) : ("delivered" as const);
  }
}

/** A Lambda context: the in-progress record of an event expires with the invocation's remaining time. */
const context = { ...testContext, getRemainingTimeInMillis: () => 10_000 };
let sequence = 0;
const newOrderId = () => `0d6f1c8e-2a4b-4c3d-8e9f-${String(++sequence).padStart(12, "0")}`;

function system(provider: "stripe" | "simulated" = "stripe", secret: string | null = SECRET) {
  const callbacks = new RecordingCallbacks();
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  const payments = new DynamoDbPaymentRecords(database.client, database.tables.orders);
  const handler = createHandler({
    orders,
    payments,
    callbacks,
    provider,
    webhookSecret: async () => secret ?? undefined,
    applyOnce: powertoolsApplyOnce(database.tables.orderKeys, raw),
  });
  return { handler, callbacks, orders };
}

async function pendingOrder(payment: Partial<PaymentRecord> = {}): Promise<OrderRecord> {
  const orderId = newOrderId();
  const order = orderRecord({
    orderId,
    status: "PROCESSING",
    payment: {
      status: "REQUIRES_ACTION",
      chargeId: `pi_${orderId.slice(-6)}`,
      amountMinor: 2500,
      provider: "stripe",
      clientSecret: `pi_${orderId.slice(-6)}_secret_x`,
      pendingSince: new Date().toISOString(),
      ...payment,
    },
  });
  await database.client.send(new PutCommand({ TableName: database.tables.orders, Item: order }));
  return order;
}

/** A Stripe event for the order's PaymentIntent, as Stripe would POST it. */
function stripeEvent(order: OrderRecord, type: string, id = `evt_${++sequence}`, extra: object = {}) {
  return JSON.stringify({
    id,
    object: "event",
    type,
    data: {
      object: {
        id: order.payment!.chargeId,
        object: "payment_intent",
        metadata: { orderId: order.orderId },
        last_payment_error:
          type === "payment_intent.payment_failed"
            ? { code: "payment_intent_authentication_failure", decline_code: null }
            : null,
        ...extra,
      },
    },
  });
}

function webhook(payload: string, signature?: string, options: { base64?: boolean } = {}) {
  return apiEvent({
    resource: "/webhooks/stripe",
    path: "/webhooks/stripe",
    httpMethod: "POST",
    headers: signature === undefined ? {} : { "stripe-signature": signature },
    body: options.base64 ? Buffer.from(payload).toString("base64") : payload,
    isBase64Encoded: options.base64 ?? false,
  });
}

const sign = (payload: string, timestamp?: number, secret = SECRET) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

type Answer = { statusCode: number; body: string };
const bodyOf = (answer: unknown) => JSON.parse((answer as Answer).body) as Record<string, unknown>;

async function read(orders: DynamoDbOrderStore, orderId: string) {
  return (await orders.get(orderId))!;
}

describe("the Stripe webhook", () => {
  test("a signed payment_intent.succeeded settles the payment and resumes the waiting step with the charge", async () => {
    const { handler, callbacks, orders } = system();
    const order = await pendingOrder();
    await handler(
      { action: "await", orderId: order.orderId, chargeId: order.payment!.chargeId, taskToken: "t1" },
      context,
    );
    const payload = stripeEvent(order, "payment_intent.succeeded");
    const answer = await handler(webhook(payload, sign(payload), { base64: true }), context);
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(bodyOf(answer)).toEqual({ received: true, result: "applied" });
    expect((await read(orders, order.orderId)).payment).toMatchObject({
      status: "CHARGED",
      settledAt: expect.any(String),
    });
    expect(callbacks.calls).toEqual([
      {
        token: "t1",
        kind: "succeed",
        detail: {
          orderId: order.orderId,
          status: "CHARGED",
          chargeId: order.payment!.chargeId,
          amountMinor: 2500,
        },
      },
    ]);
  });

  test.each([
    ["missing", () => undefined],
    ["forged (another secret)", (payload: string) => sign(payload, undefined, "whsec_someone_else")],
    ["stale (older than 5 minutes)", (payload: string) => sign(payload, Math.floor(Date.now() / 1000) - 301)],
    ["for another body", () => sign("{}")],
  ])(
    "a %s signature: 400 with the JSON error body, nothing changed, nobody resumed",
    async (_, signature) => {
      const { handler, callbacks, orders } = system();
      const order = await pendingOrder();
      await handler(
        { action: "await", orderId: order.orderId, chargeId: order.payment!.chargeId, taskToken: "t" },
        context,
      );
      const payload = stripeEvent(order, "payment_intent.succeeded");
      const answer = await handler(webhook(payload, signature(payload)), context);
      expect(answer).toMatchObject({ statusCode: 400 });
      expect(bodyOf(answer)).toEqual({
        error: {
          code: "INVALID_SIGNATURE",
          message: expect.stringContaining("Stripe-Signature"),
          details: null,
        },
      });
      expect((await read(orders, order.orderId)).payment?.status).toBe("REQUIRES_ACTION");
      expect(callbacks.calls).toEqual([]);
    },
  );

  test("a signature 4 minutes old is still within the tolerance", async () => {
    const { handler } = system();
    const order = await pendingOrder();
    const payload = stripeEvent(order, "payment_intent.succeeded");
    const answer = await handler(
      webhook(payload, sign(payload, Math.floor(Date.now() / 1000) - 240)),
      context,
    );
    expect(bodyOf(answer)).toEqual({ received: true, result: "applied" });
  });

  test("the same event delivered twice has one effect: the second is answered from its record", async () => {
    const { handler, callbacks } = system();
    const order = await pendingOrder();
    await handler(
      { action: "await", orderId: order.orderId, chargeId: order.payment!.chargeId, taskToken: "t2" },
      context,
    );
    const payload = stripeEvent(order, "payment_intent.payment_failed", "evt_twice");
    const first = await handler(webhook(payload, sign(payload)), context);
    const second = await handler(webhook(payload, sign(payload)), context);
    expect(bodyOf(first)).toEqual({ received: true, result: "applied" });
    expect(bodyOf(second)).toEqual({ received: true, result: "applied" });
    expect(callbacks.calls).toEqual([
      {
        token: "t2",
        kind: "fail",
        detail: {
          error: "PaymentFailed",
          cause: {
            errorType: "PaymentFailed",
            errorMessage: "The card's authentication (3-D Secure) failed.",
          },
        },
      },
    ]);
    // The record of the event: its key, an expiry a week out (TTL deletes it some time after).
    const records = await raw.send(new ScanCommand({ TableName: database.tables.orderKeys }));
    const record = records.Items?.find(
      (i) => i.status?.S === "COMPLETED" && i.data?.M?.result?.S === "applied",
    );
    expect(Number(record?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000 + 6 * 86400);
  });

  test("out of order: a failure arriving after the money settled changes nothing", async () => {
    const { handler, callbacks, orders } = system();
    const order = await pendingOrder();
    const succeeded = stripeEvent(order, "payment_intent.succeeded");
    const failed = stripeEvent(order, "payment_intent.payment_failed");
    await handler(webhook(succeeded, sign(succeeded)), context);
    const late = await handler(webhook(failed, sign(failed)), context);
    expect(bodyOf(late)).toEqual({ received: true, result: "no-change" });
    expect((await read(orders, order.orderId)).payment?.status).toBe("CHARGED");
    // The waiting step arrives after both: it is resumed with the charge at once.
    await handler(
      { action: "await", orderId: order.orderId, chargeId: order.payment!.chargeId, taskToken: "t3" },
      context,
    );
    expect(callbacks.calls).toEqual([expect.objectContaining({ token: "t3", kind: "succeed" })]);
  });

  test.each<[string, (order: OrderRecord) => string, EventResult]>([
    [
      "an unknown order",
      (o) => stripeEvent({ ...o, orderId: newOrderId() }, "payment_intent.succeeded"),
      "unknown-order",
    ],
    [
      "a payment without an order id",
      (o) => stripeEvent(o, "payment_intent.succeeded", undefined, { metadata: {} }),
      "unknown-order",
    ],
    [
      "another payment of the order",
      (o) =>
        stripeEvent({ ...o, payment: { ...o.payment!, chargeId: "pi_other" } }, "payment_intent.succeeded"),
      "other-payment",
    ],
  ])("an event for %s is acknowledged (2xx, never retried) and changes nothing", async (_, event, result) => {
    const { handler, orders } = system();
    const order = await pendingOrder();
    const payload = event(order);
    const answer = await handler(webhook(payload, sign(payload)), context);
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(bodyOf(answer).result).toBe(result);
    expect((await read(orders, order.orderId)).payment?.status).toBe("REQUIRES_ACTION");
  });

  test("a verified event of another type is acknowledged and ignored", async () => {
    const { handler } = system();
    const payload = JSON.stringify({ id: "evt_other", type: "customer.created", data: { object: {} } });
    expect(bodyOf(await handler(webhook(payload, sign(payload)), context))).toEqual({
      received: true,
      result: "ignored-type",
    });
  });

  test("no endpoint secret yet: 503 (Stripe retries for three days); a deployment without Stripe: 404", async () => {
    const order = await pendingOrder();
    const payload = stripeEvent(order, "payment_intent.succeeded");
    const unset = await system("stripe", null).handler(webhook(payload, sign(payload)), context);
    expect(unset).toMatchObject({ statusCode: 503 });
    expect(bodyOf(unset)).toMatchObject({ error: { code: "WEBHOOK_NOT_CONFIGURED" } });
    const simulated = await system("simulated").handler(webhook(payload, sign(payload)), context);
    expect(simulated).toMatchObject({ statusCode: 404 });
  });
});

describe("the waiting step and the simulated provider", () => {
  test("the step keeps its token with the pending payment; the simulated event resumes it once", async () => {
    const { handler, callbacks, orders } = system("simulated");
    const order = await pendingOrder({ provider: "simulated" });
    const waiting = await handler(
      { action: "await", orderId: order.orderId, chargeId: order.payment!.chargeId, taskToken: "t4" },
      context,
    );
    expect(waiting).toEqual({ waiting: true });
    expect((await read(orders, order.orderId)).paymentTaskToken).toBe("t4");
    const event = {
      action: "simulated-event",
      eventId: "evt_sim_1",
      orderId: order.orderId,
      outcome: "succeeded",
    };
    expect(await handler(event, context)).toEqual({ result: "applied" });
    expect(callbacks.calls).toHaveLength(1);
    // A second, different event for the settled payment changes nothing.
    expect(await handler({ ...event, eventId: "evt_sim_2", outcome: "failed" }, context)).toEqual({
      result: "no-change",
    });
  });

  test("a simulated event cannot settle a Stripe payment", async () => {
    const { handler, orders } = system("simulated");
    const order = await pendingOrder({ provider: "stripe" });
    expect(
      await handler(
        { action: "simulated-event", eventId: "evt_sim_3", orderId: order.orderId, outcome: "succeeded" },
        context,
      ),
    ).toEqual({ result: "other-payment" });
    expect((await read(orders, order.orderId)).payment?.status).toBe("REQUIRES_ACTION");
  });

  test("a step waiting for a payment the order does not hold fails as unexpected (a person looks)", async () => {
    const { handler, callbacks } = system();
    const order = await pendingOrder();
    await handler(
      { action: "await", orderId: order.orderId, chargeId: "pi_not_this_one", taskToken: "t5" },
      context,
    );
    expect(callbacks.calls).toEqual([
      expect.objectContaining({
        token: "t5",
        kind: "fail",
        detail: expect.objectContaining({ error: "PaymentStateMismatch" }),
      }),
    ]);
  });
});
