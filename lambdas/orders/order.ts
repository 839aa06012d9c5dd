/**
 * The order and its rules: statuses, the transitions between them, failure codes and the attribute
 * names that the order store and the workflow's failure update write. Stores derive their status
 * guards from ORDER_TRANSITIONS; the state machine's OrderFailed step uses ORDER_ATTRIBUTES.
 */
import type { BusinessErrorName } from "../platform/errors";
import type { OrderLine } from "./order-request";
import { toMajorUnits } from "../platform/money";
import type { PaymentProvider } from "../platform/payment-providers";
import { returnsView, type ReturnRecord } from "./order-returns";

export const ORDER_STATUSES = [
  "PENDING",
  "PROCESSING",
  "CONFIRMED",
  "FAILED",
  "SHIPPED",
  "CANCELLED",
  "RETURNED",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Every legal status change. PROCESSING → PROCESSING is a retried ValidateOrder; PENDING → FAILED is
 * an order rejected before it was priced. An order on its way or CONFIRMED may be CANCELLED (by its
 * owner or staff); a CONFIRMED one is SHIPPED by staff, and shipping is the boundary for cancelling.
 * A SHIPPED order whose every unit came back (returns received by staff) is RETURNED. FAILED,
 * CANCELLED and RETURNED are final: nothing leaves them.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ["PROCESSING", "CONFIRMED", "FAILED", "CANCELLED"],
  PROCESSING: ["PROCESSING", "CONFIRMED", "FAILED", "CANCELLED"],
  CONFIRMED: ["SHIPPED", "CANCELLED"],
  FAILED: [],
  SHIPPED: ["RETURNED"],
  CANCELLED: [],
  RETURNED: [],
};

/** What a payment canceled by the order's cancellation records, for the customer. */
export const ORDER_CANCELLED_MESSAGE = "The order was cancelled.";

/** An order its workflow is still working on: PENDING or PROCESSING. */
export function isInFlight(status: OrderStatus): boolean {
  return status === "PENDING" || status === "PROCESSING";
}

export function isLegalTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** The statuses an order may be in for a change to `to` to be legal (a store's condition). */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => isLegalTransition(from, to));
}

export function isFinalStatus(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}

/** Why an order FAILED: a business error's name, or the name of an unexpected error. */
export type FailureCode = BusinessErrorName | (string & {});

/** Attribute names of the orders table that both the store and the workflow definition write. */
export const ORDER_ATTRIBUTES = {
  status: "status",
  failureCode: "failureCode",
  failureReason: "failureReason",
  /** The workflow execution that recorded FAILED (its retries may record it again, nobody else). */
  failedBy: "failedByExecution",
  updatedAt: "updatedAt",
} as const;

/**
 * One customer e-mail's fate, kept on the order. SENDING is a claim taken before the call to SES
 * (conditionally: only one sender at a time); a claim older than CUSTOMER_EMAIL_CLAIM_SECONDS is
 * taken over by the next delivery, so a sender that died before SES answered is retried.
 */
export type CustomerEmailRecord =
  | { readonly status: "SENDING"; readonly claimedAt: string }
  | {
      readonly status: "SENT";
      readonly claimedAt: string;
      readonly messageId: string;
      readonly sentAt: string;
    }
  | {
      readonly status: "SUPPRESSED" | "REJECTED" | "OFF";
      readonly claimedAt: string;
      readonly detail?: string;
    };

export type CustomerEmailKind =
  | "confirmation"
  | "failure"
  | "cancellation"
  | "shipment"
  | "refund"
  | "returnRequested"
  | "returnReceived"
  | "returnRejected";

/** The e-mails of a return: asked for, rejected (one each per return), received (one per receipt). */
export type ReturnEmailSubject =
  | { readonly kind: "returnRequested"; readonly returnId: string }
  | { readonly kind: "returnRejected"; readonly returnId: string }
  | { readonly kind: "returnReceived"; readonly returnId: string; readonly receiptId: string };

/**
 * One e-mail of an order: its kind, and for a refund which one (an order may be refunded more than
 * once), for a return which return (and receipt).
 */
export type CustomerEmailSubject =
  | Exclude<CustomerEmailKind, ReturnEmailSubject["kind"]>
  | { readonly kind: "refund"; readonly refundId: string }
  | ReturnEmailSubject;

export function emailKindOf(subject: CustomerEmailSubject): CustomerEmailKind {
  return typeof subject === "string" ? subject : subject.kind;
}

export const CUSTOMER_EMAIL_CLAIM_SECONDS = 60;

/** The order attribute of each customer e-mail. */
export const CUSTOMER_EMAIL_ATTRIBUTES = {
  confirmation: "confirmationEmail",
  failure: "failureEmail",
  cancellation: "cancellationEmail",
  shipment: "shipmentEmail",
  refund: "refundEmail",
} as const;

/** A refund's e-mail: one attribute per refund, `refundEmail_<refundId>`. */
export type RefundEmailAttribute = `refundEmail_${string}`;
/** A return's e-mails: `returnEmail_<returnId>_requested|rejected`, `returnEmail_<receiptId>`. */
export type ReturnEmailAttribute = `returnEmail_${string}`;
/** The order's attributes that keep an e-mail's fate. */
export type EmailAttribute =
  | Exclude<(typeof CUSTOMER_EMAIL_ATTRIBUTES)[keyof typeof CUSTOMER_EMAIL_ATTRIBUTES], "refundEmail">
  | RefundEmailAttribute
  | ReturnEmailAttribute;

/** The order attribute that keeps one e-mail's fate: a refund's is its own (`refundEmail_<refundId>`). */
export function emailAttributeOf(subject: CustomerEmailSubject): EmailAttribute {
  if (typeof subject !== "string") {
    switch (subject.kind) {
      case "refund":
        return `refundEmail_${subject.refundId}`;
      case "returnReceived":
        return `returnEmail_${subject.receiptId}`;
      case "returnRequested":
        return `returnEmail_${subject.returnId}_requested`;
      case "returnRejected":
        return `returnEmail_${subject.returnId}_rejected`;
    }
  }
  if (subject === "refund")
    throw new Error('A refund\'s e-mail names its refund: { kind: "refund", refundId }.');
  return CUSTOMER_EMAIL_ATTRIBUTES[subject];
}

/** An order line priced from InventoryTable (never from the client). */
export interface PricedLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly lineTotalMinor: number;
}

/**
 * A payment's life on the order. REQUIRES_ACTION (the customer must authenticate: 3-D Secure) and
 * PROCESSING (the money has not settled) are pending: the workflow waits for the provider's event.
 * CHARGED is settled money; FAILED and CANCELED never took any; PARTIALLY_REFUNDED gave some of it
 * back (staff refunds), REFUNDED all of it.
 */
export const PAYMENT_STATUSES = [
  "REQUIRES_ACTION",
  "PROCESSING",
  "CHARGED",
  "FAILED",
  "CANCELED",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PENDING_PAYMENT_STATUSES = ["REQUIRES_ACTION", "PROCESSING"] as const;
export type PendingPaymentStatus = (typeof PENDING_PAYMENT_STATUSES)[number];

export function isPendingPayment(status: PaymentStatus | undefined): status is PendingPaymentStatus {
  return (PENDING_PAYMENT_STATUSES as readonly string[]).includes(status ?? "");
}

export interface PaymentRecord {
  readonly status: PaymentStatus;
  /** Who charged it (absent on orders charged before providers were recorded: the simulated one). */
  readonly provider?: PaymentProvider;
  readonly chargeId: string;
  readonly amountMinor: number;
  readonly refundId?: string;
  /** REQUIRES_ACTION: what the storefront hands to Stripe.js to authenticate the customer (owner only). */
  readonly clientSecret?: string;
  /** When the provider answered that the payment is not settled. */
  readonly pendingSince?: string;
  /** When the provider's event settled it (CHARGED or FAILED). */
  readonly settledAt?: string;
  /** FAILED or CANCELED: why, in words for the customer. */
  readonly failureMessage?: string;
}

/** One refund of an order's payment, as the audit trail keeps it: who, why, when, how much. */
export interface RefundEntry {
  /** The provider's refund id. */
  readonly refundId: string;
  readonly amountMinor: number;
  readonly reason: string;
  /** The staff member's user id (their token's `sub`), or "provider" for a refund made at the provider. */
  readonly by: string;
  readonly at: string;
  /** A return's receipt this refund pays back (see returns/return.ts). */
  readonly receiptId?: string;
}

/** Who cancelled an order, when, why, and what it was before (the audit trail of a cancellation). */
export interface CancellationRecord {
  /** The user id (the token's `sub`) of the owner or staff member; "anonymous" with api_auth = none. */
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly fromStatus: OrderStatus;
  /** A confirmed order: what was left of its charge when it was cancelled, refunded to the customer. */
  readonly refundMinor?: number;
}

/** How a shipped order travels, and who recorded it. */
export interface ShipmentRecord {
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly by: string;
  readonly at: string;
}

/**
 * A chargeback: the customer's bank took the amount back (plus a fee) until the store answers with
 * evidence. `status` is the provider's (Stripe: needs_response, under_review, won, lost, …).
 */
export interface DisputeRecord {
  readonly disputeId: string;
  readonly status: string;
  readonly reason: string;
  readonly amountMinor: number;
  /** The last moment the store can submit evidence (absent once it no longer matters). */
  readonly evidenceDueBy?: string;
  readonly openedAt: string;
  /** When the provider said how it ended (won or lost). */
  readonly closedAt?: string;
}

/** A dispute's provider statuses that end it. */
export const CLOSED_DISPUTE_STATUSES = ["won", "lost", "warning_closed", "prevented"] as const;

/** One item of the orders table. */
export interface OrderRecord {
  readonly orderId: string;
  readonly status: OrderStatus;
  /** The signed-in customer who placed it (the ID token's `sub`); absent with api_auth = none. */
  readonly customerId?: string;
  readonly customerEmail: string;
  readonly items: readonly OrderLine[];
  /** A gateway card token (never a card number); read by ProcessPayment, never logged or returned. */
  readonly paymentToken: string;
  /** SHA-256 of the canonical request, to tell a replay from a different order under the same key. */
  readonly requestHash: string;
  readonly idempotencyKey?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When a replay last sent a still-PENDING order back to the queue (see OrderStore.requeue). */
  readonly requeuedAt?: string;
  readonly lines?: readonly PricedLine[];
  readonly totalMinor?: number;
  readonly currency?: string;
  readonly failureCode?: FailureCode;
  readonly failureReason?: string;
  readonly payment?: PaymentRecord;
  readonly paymentAttempts?: number;
  /** Refunds made after the sale, oldest first (the saga's compensation refund is payment.refundId). */
  readonly refunds?: readonly RefundEntry[];
  /** What staff refunds took back or are taking back (minor units); never more than was charged. */
  readonly refundedTotal?: number;
  /** The waiting workflow step's task token, while the payment is pending (never shown or logged). */
  readonly paymentTaskToken?: string;
  readonly inventoryReserved?: boolean;
  readonly confirmationNotifiedAt?: string;
  /** The customer's "order confirmed" e-mail (see CustomerEmailRecord). */
  readonly confirmationEmail?: CustomerEmailRecord;
  /** The customer's "we could not complete your order" e-mail. */
  readonly failureEmail?: CustomerEmailRecord;
  readonly cancellation?: CancellationRecord;
  readonly cancellationEmail?: CustomerEmailRecord;
  readonly shipment?: ShipmentRecord;
  readonly shipmentEmail?: CustomerEmailRecord;
  readonly dispute?: DisputeRecord;
  /** Each refund's customer e-mail. */
  readonly [refundEmail: RefundEmailAttribute]: CustomerEmailRecord | undefined;
  /** Each return's customer e-mails. */
  readonly [returnEmail: ReturnEmailAttribute]: CustomerEmailRecord | undefined;
  /** The customer's returns, oldest first. */
  readonly returns?: readonly ReturnRecord[];
  /** Counts the changes of `returns`: each change is conditional on the count it read. */
  readonly returnsVersion?: number;
  /** The provider's refunds recorded from its events (refunds made in its dashboard), each once. */
  readonly providerRefundIds?: ReadonlySet<string>;
}

/** An order's lines in the API's money format: priced once validated, productId and quantity before. */
export function orderItemsView(order: OrderRecord): Record<string, unknown>[] {
  return order.lines
    ? order.lines.map((l) => ({
        productId: l.productId,
        name: l.name,
        quantity: l.quantity,
        unitPrice: toMajorUnits(l.unitPriceMinor),
        lineTotal: toMajorUnits(l.lineTotalMinor),
      }))
    : order.items.map((l) => ({ productId: l.productId, quantity: l.quantity }));
}

/**
 * The public view of an order (GET /orders/{orderId}): no token, no internal bookkeeping. The 3-D
 * Secure client secret (`paymentAction`) is for the order's owner only (`forOwner`): it completes
 * their payment, so staff and every other answer (refunds, exports…) never carry it.
 */
export function orderView(order: OrderRecord, forOwner = false): Record<string, unknown> {
  const items = orderItemsView(order);
  return {
    orderId: order.orderId,
    status: order.status,
    items,
    total: order.totalMinor === undefined ? null : toMajorUnits(order.totalMinor),
    currency: order.currency ?? null,
    ...(order.failureReason ? { failureReason: order.failureReason, failureCode: order.failureCode } : {}),
    ...(order.payment ? { paymentStatus: order.payment.status } : {}),
    ...(order.refunds && order.refunds.length > 0
      ? {
          refunds: order.refunds.map((r) => ({
            id: r.refundId,
            amount: toMajorUnits(r.amountMinor),
            reason: r.reason,
            by: r.by,
            at: r.at,
          })),
          refundedTotal: toMajorUnits(order.refunds.reduce((sum, r) => sum + r.amountMinor, 0)),
        }
      : {}),
    ...(order.cancellation
      ? {
          cancellation: {
            at: order.cancellation.at,
            by: order.cancellation.by,
            reason: order.cancellation.reason,
          },
        }
      : {}),
    ...(order.dispute
      ? {
          dispute: {
            status: order.dispute.status,
            reason: order.dispute.reason,
            amount: toMajorUnits(order.dispute.amountMinor),
            evidenceDueBy: order.dispute.evidenceDueBy ?? null,
          },
        }
      : {}),
    ...(order.shipment
      ? {
          shipment: {
            carrier: order.shipment.carrier,
            trackingNumber: order.shipment.trackingNumber,
            at: order.shipment.at,
          },
        }
      : {}),
    ...(order.returns && order.returns.length > 0 ? { returns: returnsView(order) } : {}),
    ...(forOwner && order.payment?.status === "REQUIRES_ACTION" && order.payment.clientSecret
      ? { paymentAction: { type: "authenticate", clientSecret: order.payment.clientSecret } }
      : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** What a charge left on the order: the provider's id of it (Stripe: the PaymentIntent), its amount, who. */
export interface ChargeRecord {
  readonly chargeId: string;
  readonly amountMinor: number;
  readonly provider: PaymentProvider;
}
