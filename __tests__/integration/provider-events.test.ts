/**
 * The provider's word on money already taken, through PaymentEvents against a real DynamoDB
 * (dynalite) with Powertools Idempotency: Stripe's `charge.refunded` (a Dashboard refund, read back
 * from the provider) recorded once per refund id and never one this system made; `charge.dispute.*`
 * kept on the order, its opening paging CriticalAlertsTopic once; the simulated provider's twins.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { powertoolsApplyOnce } from "../../lambdas/payments/adapters/powertools-apply-once";
import { createHandler } from "../../lambdas/payment-events/handler";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { DynamoDbPaymentRecords } from "../../lambdas/payments/adapters/dynamodb-payment-records";
import { DynamoDbRefundLedger } from "../../lambdas/payments/adapters/dynamodb-refund-ledger";
import type { OrderRecord } from "../../lambdas/orders/order";
import type { PaymentLookup, ProviderPayment, ProviderRefund } from "../../lambdas/payments/ports";
import { apiEvent, context as testContext } from "../support/events";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { RecordingNotifier } from "../support/fakes";
import { orderRecord } from "../support/orders";

jest.setTimeout(30_000);

const SECRET = "whsec_test_provider_events";
let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const context = { ...testContext, getRemainingTimeInMillis: () => 10_000 };

/** Stripe as describePayment reads it back; the test says what the payment holds. */
class StripeBooks implements PaymentLookup {
  readonly payments = new Map<string, ProviderPayment>();
  async describePayment(chargeId: string): Promise<ProviderPayment> {
    return this.payments.get(chargeId) ?? { orderId: undefined, refunds: [] };
  }
}

const refund = (refundId: string, amountMinor: number, madeByOrderSystem = false): ProviderRefund => ({
  refundId,
  amountMinor,
  status: "succeeded",
  reason: "requested_by_customer",
  createdAt: "2026-12-01T10:00:00.000Z",
  madeByOrderSystem,
});

async function system(provider: "stripe" | "simulated" = "stripe") {
  const orderId = randomUUID();
  const chargeId = provider === "stripe" ? `pi_${orderId.slice(0, 12)}` : `ch_${orderId.slice(0, 12)}`;
  const order: OrderRecord = orderRecord({
    orderId,
    status: "CONFIRMED",
    totalMinor: 5000,
    currency: "EUR",
    payment: { status: "CHARGED", chargeId, amountMinor: 5000, provider },
  });
  await database.client.send(new PutCommand({ TableName: database.tables.orders, Item: order }));
  const books = new StripeBooks();
  const alerts = new RecordingNotifier();
  const handler = createHandler({
    orders: new DynamoDbOrderStore(database.client, database.tables.orders),
    payments: new DynamoDbPaymentRecords(database.client, database.tables.orders),
    provider,
    webhookSecret: async () => SECRET,
    applyOnce: powertoolsApplyOnce(database.tables.orderKeys, database.raw),
    alerts,
    lookup: provider === "stripe" ? books : undefined,
  });
  const send = async (type: string, object: object, id = `evt_${randomUUID()}`) => {
    const payload = JSON.stringify({ id, object: "event", type, data: { object } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const answer = (await handler(
      apiEvent({
        resource: "/webhooks/stripe",
        path: "/webhooks/stripe",
        httpMethod: "POST",
        headers: { "Stripe-Signature": header },
        body: payload,
      }),
      context,
    )) as { statusCode: number; body: string };
    return { status: answer.statusCode, ...(JSON.parse(answer.body) as { result?: string }) };
  };
  const read = async () =>
    (await new DynamoDbOrderStore(database.client, database.tables.orders).get(orderId))!;
  return { orderId, chargeId, books, alerts, handler, send, read };
}

const charge = (chargeId: string) => ({ id: `ch_${chargeId}`, object: "charge", payment_intent: chargeId });

test("a Dashboard refund reaches the order once, by refund id; this system's own refunds are never counted", async () => {
  const s = await system();
  s.books.payments.set(s.chargeId, {
    orderId: s.orderId,
    refunds: [refund("re_staff", 1000, true), refund("re_dashboard_1", 1500)],
  });
  expect(await s.send("charge.refunded", charge(s.chargeId))).toMatchObject({
    status: 200,
    result: "applied",
  });
  let order = await s.read();
  expect(order.refunds).toEqual([
    expect.objectContaining({ refundId: "re_dashboard_1", amountMinor: 1500, by: "provider" }),
  ]);
  expect(order).toMatchObject({ refundedTotal: 1500, payment: { status: "PARTIALLY_REFUNDED" } });

  // The next refund's event lists every refund again: only the new one is recorded.
  s.books.payments.set(s.chargeId, {
    orderId: s.orderId,
    refunds: [refund("re_staff", 1000, true), refund("re_dashboard_1", 1500), refund("re_dashboard_2", 3500)],
  });
  const second = `evt_${randomUUID()}`;
  expect(await s.send("charge.refunded", charge(s.chargeId), second)).toMatchObject({ result: "applied" });
  // The same event delivered again: applied once (Powertools Idempotency on the event id).
  expect(await s.send("charge.refunded", charge(s.chargeId), second)).toMatchObject({ result: "applied" });
  // Another event naming only known refunds changes nothing.
  expect(await s.send("charge.refunded", charge(s.chargeId))).toMatchObject({ result: "already-applied" });
  order = await s.read();
  expect(order.refunds?.map((r) => r.refundId)).toEqual(["re_dashboard_1", "re_dashboard_2"]);
  expect(order).toMatchObject({ refundedTotal: 5000, payment: { status: "REFUNDED" } });
});

test("after a Dashboard refund, staff can refund only what is left", async () => {
  const s = await system();
  s.books.payments.set(s.chargeId, { orderId: s.orderId, refunds: [refund("re_dashboard", 4000)] });
  await s.send("charge.refunded", charge(s.chargeId));
  const ledger = new DynamoDbRefundLedger(database.client, database.tables.orders, database.tables.orderKeys);
  const asked = { reason: "Goodwill", by: "staff", at: new Date().toISOString() };
  await expect(ledger.reserve(s.orderId, "k1", { ...asked, amountMinor: 1001 })).resolves.toEqual({
    kind: "exceeds",
    refundableMinor: 1000,
  });
  await expect(ledger.reserve(s.orderId, "k2", { ...asked, amountMinor: 1000 })).resolves.toMatchObject({
    kind: "reserved",
  });
});

test("a refund event for a payment the provider ties to no order is acknowledged and changes nothing", async () => {
  const s = await system();
  expect(await s.send("charge.refunded", charge("pi_someone_elses"))).toMatchObject({
    status: 200,
    result: "unknown-order",
  });
  expect((await s.read()).refunds).toBeUndefined();
});

const dispute = (chargeId: string, status: string, extra: object = {}) => ({
  id: `du_${chargeId}`,
  object: "dispute",
  charge: `ch_${chargeId}`,
  payment_intent: chargeId,
  amount: 5000,
  currency: "eur",
  reason: "fraudulent",
  status,
  evidence_details: { due_by: 1_767_225_599, has_evidence: false, past_due: false, submission_count: 0 },
  ...extra,
});

test("a dispute: opened (CriticalAlertsTopic told the order, amount and deadline, once), updated, then won", async () => {
  const s = await system();
  s.books.payments.set(s.chargeId, { orderId: s.orderId, refunds: [] });
  expect(await s.send("charge.dispute.created", dispute(s.chargeId, "needs_response"))).toMatchObject({
    result: "applied",
  });
  expect((await s.read()).dispute).toMatchObject({
    disputeId: `du_${s.chargeId}`,
    status: "needs_response",
    reason: "fraudulent",
    amountMinor: 5000,
    evidenceDueBy: "2025-12-31T23:59:59.000Z",
  });
  expect(s.alerts.published).toHaveLength(1);
  expect(s.alerts.published[0].subject).toBe(`Order ${s.orderId} disputed: 50.00 EUR`);
  expect(s.alerts.published[0].message).toContain("Evidence due by: 2025-12-31T23:59:59.000Z");
  expect(s.alerts.published[0].message).toContain("Runbook: docs/RUNBOOK.md#answering-a-dispute");

  await s.send("charge.dispute.updated", dispute(s.chargeId, "under_review"));
  await s.send("charge.dispute.closed", dispute(s.chargeId, "won"));
  const closed = (await s.read()).dispute;
  expect(closed).toMatchObject({ status: "won", closedAt: expect.any(String) });
  // The order's view shows it; the alert was sent once, for the opening.
  expect(s.alerts.published).toHaveLength(1);
  // A late `updated` after the close does not reopen it.
  await s.send("charge.dispute.updated", dispute(s.chargeId, "under_review"));
  expect((await s.read()).dispute?.status).toBe("won");
});

test("the simulated provider's refund and dispute (the local runtime's dashboard) apply the same way", async () => {
  const s = await system("simulated");
  const invoke = (input: object) => s.handler(input, context) as Promise<{ result: string }>;
  await expect(
    invoke({
      action: "simulated-refund",
      eventId: "evt_sim_1",
      orderId: s.orderId,
      refundId: "re_sim_1",
      amountMinor: 1200,
      reason: "goodwill",
    }),
  ).resolves.toEqual({ result: "applied" });
  await expect(
    invoke({
      action: "simulated-dispute",
      eventId: "evt_sim_2",
      orderId: s.orderId,
      disputeId: "dp_1",
      status: "needs_response",
      reason: "fraudulent",
    }),
  ).resolves.toEqual({ result: "applied" });
  await expect(
    invoke({
      action: "simulated-dispute",
      eventId: "evt_sim_3",
      orderId: s.orderId,
      disputeId: "dp_1",
      status: "lost",
      reason: "fraudulent",
    }),
  ).resolves.toEqual({ result: "applied" });
  const order = await s.read();
  expect(order.refunds).toEqual([
    expect.objectContaining({ refundId: "re_sim_1", amountMinor: 1200, by: "provider" }),
  ]);
  expect(order.dispute).toMatchObject({ status: "lost", amountMinor: 5000, closedAt: expect.any(String) });
  expect(s.alerts.published.map((a) => a.subject)).toEqual([`Order ${s.orderId} disputed: 50.00 EUR`]);
});
