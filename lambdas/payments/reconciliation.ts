/**
 * Money against orders: the provider's settled payments and refunds of a window, compared with the
 * orders of the same window. Every mismatch is a finding for a person (a log line, a metric, an
 * alarm); nothing is corrected automatically, since either side may be the one that is wrong.
 */
import { formatMoney } from "../platform/money";
import type { OrderRecord } from "../orders/order";

/** One settled payment as the provider keeps it, with what was refunded on it (in the window). */
export interface ProviderCharge {
  /** The provider's payment id (Stripe: the PaymentIntent), as the order records it. */
  readonly chargeId: string;
  /** The order its metadata names; undefined for a payment this system did not make. */
  readonly orderId: string | undefined;
  readonly amountMinor: number;
  readonly currency: string;
  readonly createdAt: string;
  /** Refunds that give money back (succeeded or pending). */
  readonly refundedMinor: number;
}

export const FINDING_KINDS = [
  "charge-without-order",
  "order-without-charge",
  "amount-mismatch",
  "refund-mismatch",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  readonly kind: FindingKind;
  readonly orderId: string | null;
  readonly paymentId: string | null;
  readonly detail: string;
}

export interface ReconciliationReport {
  /** Provider payments and orders looked at. */
  readonly checked: number;
  readonly findings: readonly Finding[];
}

/** The payment statuses that mean the provider holds (or held) the order's money. */
const SETTLED = new Set(["CHARGED", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** What the order says was refunded: its refund trail, plus the saga's whole refund. */
export function refundedOnOrder(order: OrderRecord): number {
  const trail = (order.refunds ?? []).reduce((sum, refund) => sum + refund.amountMinor, 0);
  return trail + (order.payment?.refundId ? order.payment.amountMinor : 0);
}

/**
 * The findings for a window: `charges` are the provider's settled payments created in it, `orders`
 * the orders created in it, `orderOf` reads any order (a payment's order may be older).
 */
export async function reconcile(
  charges: readonly ProviderCharge[],
  orders: readonly OrderRecord[],
  orderOf: (orderId: string) => Promise<OrderRecord | undefined>,
): Promise<ReconciliationReport> {
  const findings: Finding[] = [];
  const known = new Map(orders.map((order) => [order.orderId, order]));
  const charged = new Set<string>();
  for (const charge of charges) {
    charged.add(charge.chargeId);
    const order = charge.orderId ? (known.get(charge.orderId) ?? (await orderOf(charge.orderId))) : undefined;
    const money = (minor: number) => formatMoney(minor, charge.currency.toUpperCase());
    if (!order || order.payment?.chargeId !== charge.chargeId) {
      findings.push({
        kind: "charge-without-order",
        orderId: charge.orderId ?? null,
        paymentId: charge.chargeId,
        detail: !order
          ? `The provider took ${money(charge.amountMinor)} for ${charge.orderId ? `order ${charge.orderId}, which does not exist` : "no order of this system"}.`
          : `Order ${order.orderId} records payment ${order.payment?.chargeId ?? "none"}, not this one of ${money(charge.amountMinor)}.`,
      });
      continue;
    }
    const payment = order.payment;
    if (payment.amountMinor !== charge.amountMinor) {
      findings.push({
        kind: "amount-mismatch",
        orderId: order.orderId,
        paymentId: charge.chargeId,
        detail: `The provider took ${money(charge.amountMinor)}; the order records ${money(payment.amountMinor)}.`,
      });
    }
    const recorded = refundedOnOrder(order);
    if (recorded !== charge.refundedMinor) {
      findings.push({
        kind: "refund-mismatch",
        orderId: order.orderId,
        paymentId: charge.chargeId,
        detail: `The provider refunded ${money(charge.refundedMinor)}; the order records ${money(recorded)}.`,
      });
    }
  }
  for (const order of orders) {
    const payment = order.payment;
    if (!payment || !SETTLED.has(payment.status) || charged.has(payment.chargeId)) continue;
    findings.push({
      kind: "order-without-charge",
      orderId: order.orderId,
      paymentId: payment.chargeId,
      detail: `The order records ${formatMoney(payment.amountMinor, order.currency ?? "USD")} ${payment.status} as ${payment.chargeId}; the provider has no such settled payment.`,
    });
  }
  return { checked: charges.length + orders.length, findings };
}
