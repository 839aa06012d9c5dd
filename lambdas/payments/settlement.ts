/**
 * Giving an order's money back, the one way every caller does it: the saga's compensation and the
 * end of a payment wait (ProcessPayment), and a cancellation (AfterSale). A payment that never
 * settled is canceled at the provider; settled money is refunded whole, keyed by the order, so two
 * callers racing (a cancellation and the workflow that charged meanwhile) refund once.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { BusinessError } from "../platform/errors";
import type { Observability } from "../platform/observability";
import { isPendingPayment, type OrderRecord } from "../orders/order";
import { gatewayOf, type Gateways } from "./gateways";
import type { PaymentProvider } from "../platform/payment-providers";
import type { OrderStore } from "../orders/ports";
import type { PaymentRecords } from "./ports";

/** What the order records when its payment is canceled because the wait ended. */
export const PAYMENT_NOT_COMPLETED = "The payment authentication was not completed.";

export interface SettlementDeps {
  readonly orders: Pick<OrderStore, "get" | "recordRefund">;
  readonly payments: Pick<PaymentRecords, "recordCanceled" | "recordOutcome">;
  readonly current: PaymentProvider;
  readonly gateways: Gateways;
}

export type SettlementResult =
  | { readonly orderId: string; readonly status: "REFUNDED"; readonly refundId: string }
  | { readonly orderId: string; readonly status: "CANCELED" }
  | { readonly orderId: string; readonly status: "NOTHING_TO_REFUND" | "NOTHING_TO_CANCEL" };

/** Refunds the whole charge through the provider that charged, at most once (the order records it). */
export async function refundWhole(
  deps: SettlementDeps,
  log: Observability,
  order: OrderRecord,
): Promise<SettlementResult> {
  const { orderId, payment } = order;
  if (!payment) {
    log.logger.info("Nothing was charged; nothing to refund");
    return { orderId, status: "NOTHING_TO_REFUND" };
  }
  if (payment.status === "REFUNDED" && payment.refundId) {
    return { orderId, status: "REFUNDED", refundId: payment.refundId };
  }
  // Money that never settled is not refunded: a pending payment is canceled instead.
  if (isPendingPayment(payment.status)) {
    return cancelPayment(deps, log, order, PAYMENT_NOT_COMPLETED);
  }
  if (payment.status === "FAILED" || payment.status === "CANCELED") {
    return { orderId, status: "NOTHING_TO_REFUND" };
  }
  if (payment.status === "PARTIALLY_REFUNDED") {
    // Staff refunded part of it: the rest goes back through the refund ledger, never the whole again.
    throw new Error(`Order ${orderId} was partly refunded: refund what is left, not the whole charge.`);
  }
  const provider = payment.provider ?? "simulated";
  const { refundId } = await gatewayOf(deps, provider).refund({
    orderId,
    chargeId: payment.chargeId,
    amountMinor: payment.amountMinor,
  });
  await deps.orders.recordRefund(orderId, refundId);
  log.logger.info("Payment refunded", { refundId, provider });
  log.metrics.addMetric("PaymentsRefunded", MetricUnit.Count, 1);
  return { orderId, status: "REFUNDED", refundId };
}

/**
 * Cancels a payment that has not settled, so that it can no longer succeed; `reason` is what the
 * order records for the customer. One that succeeded meanwhile (at the provider, or already
 * recorded) is refunded: an order that gives up keeps no money.
 */
export async function cancelPayment(
  deps: SettlementDeps,
  log: Observability,
  order: OrderRecord,
  reason: string,
): Promise<SettlementResult> {
  const { orderId, payment } = order;
  if (!payment) return { orderId, status: "NOTHING_TO_CANCEL" };
  if (payment.status === "CANCELED") return { orderId, status: "CANCELED" };
  // Settled money (charged or refunded) is refunded; a pending or failed payment is canceled.
  if (!isPendingPayment(payment.status) && payment.status !== "FAILED") return refundWhole(deps, log, order);
  const gateway = gatewayOf(deps, payment.provider ?? "simulated");
  const { status } = await gateway.cancel({ orderId, chargeId: payment.chargeId });
  if (status === "canceled" && (await deps.payments.recordCanceled(orderId, payment.chargeId, reason))) {
    log.logger.info("Payment canceled", { chargeId: payment.chargeId, provider: gateway.provider });
    log.metrics.addMetric("PaymentsCanceled", MetricUnit.Count, 1);
    return { orderId, status: "CANCELED" };
  }
  // It settled before the cancel reached the provider: record it, then give the money back.
  await deps.payments.recordOutcome(orderId, payment.chargeId, { status: "CHARGED" });
  const settled = await deps.orders.get(orderId);
  if (!settled) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);
  return refundWhole(deps, log, settled);
}
