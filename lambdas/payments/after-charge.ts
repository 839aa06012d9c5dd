/**
 * The provider's word on money already taken: refunds made outside the order system (Stripe's
 * Dashboard) and disputes (chargebacks). A refund is recorded on its order once per refund id, and
 * never one this system made (its own flows record those); a dispute is kept on the order as it
 * stands, and its opening pages CriticalAlertsTopic with the order, the amount and the deadline.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { formatMoney } from "../platform/money";
import { type DisputeRecord, type OrderRecord, type RefundEntry } from "../orders/order";
import type { DisputeEvent, RefundsEvent } from "./provider-events";
import { TransientError } from "../platform/errors";
import type { Notifier } from "../alerts/ports";
import type { PaymentLookup, PaymentRecords, ProviderRefund } from "./ports";
import type { Observability } from "../platform/observability";

export interface AfterChargeDeps {
  readonly payments: PaymentRecords;
  /** Reads a payment back from the provider (Stripe); absent with the simulated provider. */
  readonly lookup?: PaymentLookup;
  /** CriticalAlertsTopic: a dispute needs a person before its evidence deadline. */
  readonly alerts: Notifier;
}

/** Where the dispute's page sends the person who reads it (a test keeps the section there). */
export const DISPUTE_RUNBOOK = "docs/RUNBOOK.md#answering-a-dispute";

export type AfterChargeResult =
  "applied" | "already-applied" | "no-change" | "unknown-order" | "unknown-payment" | "other-payment";

/**
 * The order an event names, from the event or (Stripe's charge events) the payment's metadata;
 * `unknownPayment` when the provider does not know the payment the event names. A provider that
 * cannot be reached throws (TransientError): the webhook answers 503 and Stripe delivers it again.
 */
async function orderIdOf(
  deps: AfterChargeDeps,
  { logger }: Observability,
  event: RefundsEvent | DisputeEvent,
): Promise<{ orderId?: string; refunds?: readonly ProviderRefund[]; unknownPayment?: true }> {
  if (event.orderId && ("dispute" in event || event.refunds)) return { orderId: event.orderId };
  if (!deps.lookup) return { orderId: event.orderId };
  let payment: Awaited<ReturnType<PaymentLookup["describePayment"]>>;
  try {
    payment = await deps.lookup.describePayment(event.chargeId);
  } catch (error) {
    if (error instanceof TransientError) {
      logger.warn("The provider could not be reached to read the payment back: answered 503, it retries", {
        chargeId: event.chargeId,
        error: error.name,
      });
    }
    throw error;
  }
  if (!payment) {
    logger.warn("Event for a payment the provider does not know: acknowledged, nothing changed", {
      chargeId: event.chargeId,
    });
    return { unknownPayment: true };
  }
  return { orderId: event.orderId ?? payment.orderId, refunds: payment.refunds };
}

const GIVES_MONEY_BACK = new Set(["succeeded", "pending"]);

export async function applyRefunds(
  deps: AfterChargeDeps,
  { logger, metrics }: Observability,
  event: RefundsEvent,
): Promise<{ result: AfterChargeResult }> {
  const found = await orderIdOf(deps, { logger, metrics }, event);
  if (found.unknownPayment) return { result: "unknown-payment" };
  if (!found.orderId) {
    logger.warn("Refund event for a payment without an order id: acknowledged, nothing changed");
    return { result: "unknown-order" };
  }
  const outside = (event.refunds ?? found.refunds ?? []).filter(
    (refund) => !refund.madeByOrderSystem && GIVES_MONEY_BACK.has(refund.status),
  );
  let recorded = 0;
  for (const refund of outside) {
    const entry: RefundEntry = {
      refundId: refund.refundId,
      amountMinor: refund.amountMinor,
      reason: refund.reason ? `Refunded at the provider (${refund.reason})` : "Refunded at the provider",
      by: "provider",
      at: refund.createdAt,
    };
    if (await deps.payments.recordProviderRefund(found.orderId, event.chargeId, entry)) recorded++;
  }
  logger.info("Provider refunds applied", { orderId: found.orderId, outside: outside.length, recorded });
  if (recorded > 0) metrics.addMetric("ProviderRefundsRecorded", MetricUnit.Count, recorded);
  return { result: recorded > 0 ? "applied" : "already-applied" };
}

function disputeAlert(order: OrderRecord, dispute: DisputeRecord) {
  const amount = formatMoney(dispute.amountMinor, order.currency ?? "USD");
  return {
    subject: `Order ${order.orderId} disputed: ${amount}`,
    message: [
      `The customer's bank disputed the payment of order ${order.orderId}: ${amount} (reason: ${dispute.reason}).`,
      `The amount and a dispute fee were taken back until the store answers.`,
      `Evidence due by: ${dispute.evidenceDueBy ?? "see the provider's dashboard"}.`,
      `Dispute ${dispute.disputeId}, payment ${order.payment?.chargeId ?? "?"}. Runbook: ${DISPUTE_RUNBOOK}`,
    ].join("\n"),
  };
}

export async function applyDispute(
  deps: AfterChargeDeps,
  { logger, metrics }: Observability,
  event: DisputeEvent,
): Promise<{ result: AfterChargeResult }> {
  const { orderId, unknownPayment } = await orderIdOf(deps, { logger, metrics }, event);
  if (unknownPayment) return { result: "unknown-payment" };
  if (!orderId) {
    logger.warn("Dispute for a payment without an order id: acknowledged, nothing changed");
    return { result: "unknown-order" };
  }
  const at = new Date().toISOString();
  const closed = event.type.endsWith(".closed") || ["won", "lost"].includes(event.dispute.status);
  const dispute: DisputeRecord = { ...event.dispute, openedAt: at, ...(closed ? { closedAt: at } : {}) };
  const recorded = await deps.payments.recordDispute(orderId, event.chargeId, dispute);
  if (!recorded) {
    logger.warn("Dispute for another payment than the order's: acknowledged, nothing changed");
    return { result: "other-payment" };
  }
  if (!recorded.changed) {
    logger.info("Dispute event changes nothing the order holds", { orderId, disputeStatus: dispute.status });
    return { result: "no-change" };
  }
  logger.info("Dispute recorded", { orderId, disputeStatus: dispute.status, reason: dispute.reason });
  if (recorded.opened) {
    metrics.addMetric("DisputesOpened", MetricUnit.Count, 1);
    await deps.alerts.publish(disputeAlert(recorded.order, dispute));
  }
  if (closed)
    metrics.addMetric(dispute.status === "won" ? "DisputesWon" : "DisputesLost", MetricUnit.Count, 1);
  return { result: "applied" };
}
