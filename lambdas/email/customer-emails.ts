/**
 * The e-mails a customer gets: their kinds and the data each template is rendered with (the
 * templates themselves are in templates.ts, which no handler bundles). Failure reasons are
 * phrased for customers: never internal text.
 */
import { createHash } from "node:crypto";
import { formatMoney } from "../platform/money";
import type { CustomerEmailSubject, FailureCode, OrderRecord, ReturnEmailSubject } from "../orders/order";

export const CUSTOMER_EMAIL_MODES = ["on", "off"] as const;
export type CustomerEmailMode = (typeof CUSTOMER_EMAIL_MODES)[number];

export function isCustomerEmailMode(value: string): value is CustomerEmailMode {
  return (CUSTOMER_EMAIL_MODES as readonly string[]).includes(value);
}

export interface ConfirmationEmailData {
  readonly orderId: string;
  readonly placedAt: string;
  readonly items: readonly {
    readonly name: string;
    readonly productId: string;
    readonly quantity: number;
    readonly unitPrice: string;
    readonly lineTotal: string;
  }[];
  readonly total: string;
}

export interface FailureEmailData {
  readonly orderId: string;
  readonly placedAt: string;
  readonly reason: string;
}

/**
 * Built once per execution environment: `toLocaleDateString` builds a new formatter (and loads its
 * locale data) on every call, which was the confirmation step's single most expensive function.
 */
const CUSTOMER_DAY = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});
const CUSTOMER_TIME = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/** "25 November 2026, 09:15 UTC": a date a customer reads, from the order's ISO timestamp. */
export function customerDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${CUSTOMER_DAY.format(date)}, ${CUSTOMER_TIME.format(date)} UTC`;
}

export function confirmationEmailData(order: OrderRecord): ConfirmationEmailData {
  const currency = order.currency ?? "USD";
  return {
    orderId: order.orderId,
    placedAt: customerDate(order.createdAt),
    items: (order.lines ?? []).map((line) => ({
      name: line.name,
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: formatMoney(line.unitPriceMinor, currency),
      lineTotal: formatMoney(line.lineTotalMinor, currency),
    })),
    total: formatMoney(order.totalMinor ?? 0, currency),
  };
}

const NOTHING_TAKEN = "No money was taken.";

/** Why an order failed, as its customer should read it: what happened and what it means for them. */
const CUSTOMER_REASONS: Readonly<Partial<Record<FailureCode, string>>> = {
  PaymentDeclined: `Your card was declined. ${NOTHING_TAKEN} Please try another card.`,
  InsufficientFunds: `Your card was declined for insufficient funds. ${NOTHING_TAKEN}`,
  PaymentRequiresAction: `Your bank asked to confirm this payment, which we cannot do for this order. ${NOTHING_TAKEN} Please try another card.`,
  PaymentFailed: `Your card's authentication (3-D Secure) failed, or your bank declined the payment. ${NOTHING_TAKEN} Please try again or use another card.`,
  PaymentActionTimedOut: `The payment authentication was not completed in time, so the payment was canceled. ${NOTHING_TAKEN} Please place the order again.`,
  InsufficientStock: `An item in your order is sold out. ${NOTHING_TAKEN}`,
  OutOfStock: "An item in your order sold out while we processed it. Your payment has been refunded.",
  ProductNotFound: `An item in your order is no longer sold. ${NOTHING_TAKEN}`,
  ProductUnavailable: `An item in your order is no longer on sale. ${NOTHING_TAKEN}`,
};

export const UNEXPECTED_FAILURE_REASON =
  "Something went wrong on our side. If you were charged, the payment has been refunded.";

export function customerFailureReason(code: FailureCode | undefined): string {
  return (code && CUSTOMER_REASONS[code]) || UNEXPECTED_FAILURE_REASON;
}

export function failureEmailData(order: OrderRecord): FailureEmailData {
  return {
    orderId: order.orderId,
    placedAt: customerDate(order.createdAt),
    reason: customerFailureReason(order.failureCode),
  };
}

export interface CancellationEmailData {
  readonly orderId: string;
  readonly placedAt: string;
  readonly cancelledAt: string;
  /** What became of the customer's money, in words for them. */
  readonly money: string;
}

export interface ShipmentEmailData {
  readonly orderId: string;
  readonly shippedAt: string;
  readonly carrier: string;
  readonly trackingNumber: string;
}

export interface RefundEmailData {
  readonly orderId: string;
  readonly amount: string;
  readonly reason: string;
  readonly refundedTotal: string;
}

/** A return's e-mails: what was asked back (and what happens next), received and refunded, or rejected. */
export interface ReturnEmailData {
  readonly orderId: string;
  readonly returnId: string;
  readonly items: readonly { readonly name: string; readonly productId: string; readonly quantity: number }[];
  /** The customer's reason (asked), or the store's (rejected). */
  readonly reason: string;
  /** Received: what this receipt refunded, and the order's refunds so far. */
  readonly amount?: string;
  readonly refundedTotal?: string;
  /** Received: whether the return is complete, in words for the customer. */
  readonly progress?: string;
}

export type CustomerEmailData =
  | ConfirmationEmailData
  | FailureEmailData
  | CancellationEmailData
  | ShipmentEmailData
  | RefundEmailData
  | ReturnEmailData;

/** The e-mail of a return (asked, received by one receipt, rejected), from the order as it now is. */
export function returnEmailData(order: OrderRecord, subject: ReturnEmailSubject): ReturnEmailData {
  const found = order.returns?.find((r) => r.returnId === subject.returnId);
  if (!found) throw new Error(`Order ${order.orderId} has no return ${subject.returnId}.`);
  const names = new Map((order.lines ?? []).map((line) => [line.productId, line.name]));
  const itemsOf = (lines: readonly { productId: string; quantity: number }[]) =>
    lines.map((line) => ({
      name: names.get(line.productId) ?? line.productId,
      productId: line.productId,
      quantity: line.quantity,
    }));
  const base = { orderId: order.orderId, returnId: found.returnId };
  if (subject.kind === "returnRequested")
    return { ...base, items: itemsOf(found.items), reason: found.reason };
  if (subject.kind === "returnRejected") {
    return { ...base, items: itemsOf(found.items), reason: found.rejection?.reason ?? "" };
  }
  const receipt = found.receipts?.find((r) => r.receiptId === subject.receiptId);
  if (!receipt) throw new Error(`Return ${found.returnId} has no receipt ${subject.receiptId}.`);
  const currency = order.currency ?? "USD";
  const refunded = (order.refunds ?? []).some((r) => r.receiptId === receipt.receiptId);
  // A receipt whose refund is not made yet must not tell the customer it was: the next attempt does.
  if (receipt.refundMinor > 0 && !refunded) {
    throw new Error(`Order ${order.orderId} does not record the refund of receipt ${receipt.receiptId} yet.`);
  }
  const total = (order.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
  return {
    ...base,
    items: itemsOf(receipt.items),
    reason: found.reason,
    amount: formatMoney(receipt.refundMinor, currency),
    refundedTotal: formatMoney(total, currency),
    progress:
      found.status === "RECEIVED"
        ? "Your return is complete."
        : "We are still expecting the rest of your return; we refund each part when it arrives.",
  };
}

export function refundEmailData(order: OrderRecord, refundId: string): RefundEmailData {
  const currency = order.currency ?? "USD";
  const refund = order.refunds?.find((r) => r.refundId === refundId);
  // An order read before its refund was recorded must not tell the customer of a refund of nothing:
  // no e-mail is sent, its claim is given back, and the next attempt reads the order again.
  if (!refund) throw new Error(`Order ${order.orderId} does not record refund ${refundId} yet.`);
  const total = (order.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
  return {
    orderId: order.orderId,
    amount: formatMoney(refund.amountMinor, currency),
    reason: refund.reason,
    refundedTotal: formatMoney(total, currency),
  };
}

export function cancellationEmailData(order: OrderRecord): CancellationEmailData {
  const payment = order.payment;
  const given = payment && (payment.status === "REFUNDED" || payment.status === "PARTIALLY_REFUNDED");
  return {
    orderId: order.orderId,
    placedAt: customerDate(order.createdAt),
    cancelledAt: customerDate(order.cancellation?.at ?? order.updatedAt),
    money: given
      ? `Your payment of ${formatMoney(payment.amountMinor, order.currency ?? "USD")} has been refunded to your card; it can take 5 to 10 business days to appear.`
      : NOTHING_TAKEN,
  };
}

export function shipmentEmailData(order: OrderRecord): ShipmentEmailData {
  return {
    orderId: order.orderId,
    shippedAt: customerDate(order.shipment?.at ?? order.updatedAt),
    carrier: order.shipment?.carrier ?? "",
    trackingNumber: order.shipment?.trackingNumber ?? "",
  };
}

/** The data each kind of e-mail is rendered with, from the order as it now is. */
export function emailDataOf(order: OrderRecord, subject: CustomerEmailSubject): CustomerEmailData {
  if (typeof subject !== "string") {
    return subject.kind === "refund"
      ? refundEmailData(order, subject.refundId)
      : returnEmailData(order, subject);
  }
  switch (subject) {
    case "confirmation":
      return confirmationEmailData(order);
    case "failure":
      return failureEmailData(order);
    case "cancellation":
      return cancellationEmailData(order);
    case "shipment":
      return shipmentEmailData(order);
    case "refund":
      throw new Error('A refund\'s e-mail names its refund: { kind: "refund", refundId }.');
  }
}

/** One address, one suppression record: SES treats addresses case-insensitively in practice. */
export function normalizedAddress(email: string): string {
  return email.trim().toLowerCase();
}

/** The suppression list's key for an address: its hash, so the list keeps no readable address. */
export function suppressionKeyOf(email: string): string {
  return `sha256:${createHash("sha256").update(normalizedAddress(email)).digest("hex")}`;
}
