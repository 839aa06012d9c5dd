/**
 * The reconciliation's comparison, on records as the system writes them: a refund mismatch is found
 * in both directions, and orders the saga refunded itself (stock gone after the charge, cancelled
 * while the charge was made) and cancellations refunded through the ledger add up.
 */
import type { OrderRecord } from "../../lambdas/orders/order";
import { reconcile, type ProviderCharge } from "../../lambdas/payments/reconciliation";
import { orderRecord } from "../support/orders";

const noOlderOrders = async () => undefined;

function charged(orderId: string, overrides: Partial<OrderRecord> = {}): OrderRecord {
  return orderRecord({
    orderId,
    status: "CONFIRMED",
    totalMinor: 4000,
    currency: "USD",
    payment: { status: "CHARGED", chargeId: `ch_${orderId}`, amountMinor: 4000, provider: "simulated" },
    ...overrides,
  });
}

const atProvider = (order: OrderRecord, refundedMinor: number): ProviderCharge => ({
  chargeId: order.payment!.chargeId,
  orderId: order.orderId,
  amountMinor: order.payment!.amountMinor,
  currency: "usd",
  createdAt: order.createdAt,
  refundedMinor,
});

const refund = (refundId: string, amountMinor: number) => ({
  refundId,
  amountMinor,
  reason: "Goodwill",
  by: "staff-1",
  at: "2026-12-01T10:00:00.000Z",
});

test("the provider refunded more than the order records: a refund mismatch", async () => {
  const order = charged("o-provider-more", {
    payment: {
      status: "PARTIALLY_REFUNDED",
      chargeId: "ch_o-provider-more",
      amountMinor: 4000,
      provider: "simulated",
    },
    refunds: [refund("re_1", 1000)],
  });
  const report = await reconcile([atProvider(order, 1500)], [order], noOlderOrders);
  expect(report.findings).toEqual([
    expect.objectContaining({
      kind: "refund-mismatch",
      orderId: order.orderId,
      detail: "The provider refunded 15.00 USD; the order records 10.00 USD.",
    }),
  ]);
});

test("the order records more refunded than the provider did: a refund mismatch too", async () => {
  const order = charged("o-order-more", {
    payment: {
      status: "PARTIALLY_REFUNDED",
      chargeId: "ch_o-order-more",
      amountMinor: 4000,
      provider: "simulated",
    },
    refunds: [refund("re_1", 1000), refund("re_never_made", 500)],
  });
  const report = await reconcile([atProvider(order, 1000)], [order], noOlderOrders);
  expect(report.findings).toEqual([
    expect.objectContaining({
      kind: "refund-mismatch",
      orderId: order.orderId,
      detail: "The provider refunded 10.00 USD; the order records 15.00 USD.",
    }),
  ]);
});

test("orders the saga refunded itself and a cancellation refunded through the ledger add up: no finding", async () => {
  // Stock gone after the charge: the compensation refunded the whole payment (payment.refundId).
  const outOfStock = charged("o-out-of-stock", {
    status: "FAILED",
    failureCode: "OutOfStock",
    payment: {
      status: "REFUNDED",
      chargeId: "ch_o-out-of-stock",
      amountMinor: 4000,
      provider: "simulated",
      refundId: "re_saga",
    },
  });
  // Cancelled while the charge was being made: refunded whole under the order's key.
  const cancelledMidCharge = charged("o-cancelled", {
    status: "CANCELLED",
    payment: {
      status: "REFUNDED",
      chargeId: "ch_o-cancelled",
      amountMinor: 4000,
      provider: "simulated",
      refundId: "re_cancel",
    },
  });
  // Confirmed, part refunded by staff, then cancelled: the rest through the ledger.
  const cancelledAfter = charged("o-cancelled-after", {
    status: "CANCELLED",
    payment: {
      status: "REFUNDED",
      chargeId: "ch_o-cancelled-after",
      amountMinor: 4000,
      provider: "simulated",
    },
    refunds: [refund("re_staff", 1000), refund("re_rest", 3000)],
  });
  const orders = [outOfStock, cancelledMidCharge, cancelledAfter];
  const report = await reconcile(
    orders.map((o) => atProvider(o, 4000)),
    orders,
    noOlderOrders,
  );
  expect(report).toEqual({ checked: 6, findings: [] });
  // And the same orders with the provider short of one refund are each found.
  const short = await reconcile(
    orders.map((o) => atProvider(o, 3000)),
    orders,
    noOlderOrders,
  );
  expect(short.findings.map((f) => [f.kind, f.orderId])).toEqual(
    orders.map((o) => ["refund-mismatch", o.orderId]),
  );
});
