import type {
  DisputeRecord,
  OrderRecord,
  OrderStatus,
  PendingPaymentStatus,
  RefundEntry,
} from "../orders/order";
import type { PaymentProvider } from "../platform/payment-providers";
import type { ChargeRecord } from "../orders/order";
import type { ProviderCharge } from "./reconciliation";

export interface ChargeRequest {
  /** What the gateway's idempotency key is derived from: one order is charged at most once. */
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly paymentToken: string;
  /** 1 for the first attempt at this charge, 2 for the first retry, … */
  readonly attempt: number;
}

/**
 * What the provider answered a charge: settled (`succeeded`), or not yet: the customer must
 * authenticate (`requires_action`, with the client secret the storefront hands to Stripe.js), or the
 * money is on its way (`processing`). A refusal is an error (PaymentGateway.charge).
 */
export type ChargeOutcome =
  | { readonly status: "succeeded"; readonly chargeId: string }
  | { readonly status: "requires_action"; readonly chargeId: string; readonly clientSecret: string }
  | { readonly status: "processing"; readonly chargeId: string };

export interface PaymentGateway {
  readonly provider: PaymentProvider;
  /**
   * Throws a business error (PaymentDeclined, InsufficientFunds, PaymentRequiresAction), never
   * retried, or PaymentGatewayUnavailable (transient), retried with the same idempotency key.
   */
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /**
   * Without `refundKey`: the order's one full refund (the saga's compensation), keyed by the order.
   * With it: one refund of `amountMinor` (a staff refund, partial or full), keyed by the request, so
   * a retried request refunds once and two requests refund twice.
   */
  refund(request: RefundRequest): Promise<{ readonly refundId: string }>;
  /**
   * Cancels a payment that has not settled, idempotently (a second cancel answers `canceled`).
   * `succeeded` when it settled before the cancel reached the provider: the caller refunds it.
   */
  cancel(request: {
    readonly orderId: string;
    readonly chargeId: string;
  }): Promise<{ readonly status: "canceled" | "succeeded" }>;
}

export interface RefundRequest {
  readonly orderId: string;
  readonly chargeId: string;
  readonly amountMinor: number;
  /** Identifies one refund of several (derived from the staff request's Idempotency-Key). */
  readonly refundKey?: string;
}

/** A staff refund as asked: how much, why, by whom, when. */
export interface RefundAsked {
  readonly amountMinor: number;
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** The return's receipt the refund pays back (set aside by the receipt's own write). */
  readonly receiptId?: string;
}

export type RefundReservation =
  /** The amount is set aside on the order (refundedTotal); the provider may be asked. */
  | { readonly kind: "reserved"; readonly order: OrderRecord }
  /** This request was made before: the same refund (`refundId` once it was made). */
  | { readonly kind: "replay"; readonly order: OrderRecord; readonly refundId?: string }
  | { readonly kind: "key-reused" }
  /** More than was charged minus what was refunded (or is being refunded). */
  | { readonly kind: "exceeds"; readonly refundableMinor: number }
  /** No such order, or none whose payment can be refunded (not CONFIRMED, or not charged). */
  | { readonly kind: "not-refundable"; readonly order?: OrderRecord };

/**
 * Staff refunds, exactly once per request: the request's record (in the idempotency-key table) and
 * the amount set aside on the order are written in one transaction, so two requests can never
 * refund more than was charged, and a retried request finds its own record.
 */
export interface RefundLedger {
  /**
   * `orderStatuses`: the order statuses the refund is allowed in (staff: CONFIRMED or SHIPPED; the
   * refund of what is left when a confirmed order is cancelled: CANCELLED).
   */
  reserve(
    orderId: string,
    requestKey: string,
    asked: RefundAsked,
    orderStatuses?: readonly OrderStatus[],
  ): Promise<RefundReservation>;
  /** Records the provider's refund on the order (the audit trail) and on the request, once. */
  complete(orderId: string, requestKey: string, refundId: string): Promise<OrderRecord>;
  /** The provider refused: the amount is no longer set aside and the request may be made again. */
  release(orderId: string, requestKey: string): Promise<void>;
}

/** A payment the provider has not settled, as ProcessPayment records it on the order. */
export interface PendingPaymentRecord extends ChargeRecord {
  readonly status: PendingPaymentStatus;
  readonly clientSecret?: string;
  readonly pendingSince: string;
}

/** The provider's word on a pending payment, from its signed event (or the simulated gateway's). */
export type PaymentOutcome =
  { readonly status: "CHARGED" } | { readonly status: "FAILED"; readonly failureMessage: string };

/**
 * A payment's life after the charge call, on the order item: each change conditional on the payment
 * (its chargeId) and its status, so an event applied twice or late changes nothing.
 */
export interface PaymentRecords {
  /**
   * Records a pending payment, unless the order holds another outcome of its payment (then throws
   * PaymentAlreadySettled). A retried step records the same payment again.
   */
  recordPending(orderId: string, payment: PendingPaymentRecord): Promise<OrderStatus>;
  /**
   * Pending → CHARGED or FAILED, for this payment only. The order as it now is and whether this
   * call changed it; undefined when there is no such order.
   */
  recordOutcome(
    orderId: string,
    chargeId: string,
    outcome: PaymentOutcome,
  ): Promise<{ readonly order: OrderRecord; readonly changed: boolean } | undefined>;
  /**
   * Keeps the waiting step's task token with the still-pending payment. `kept: false` with the order
   * as it is when the payment is no longer pending (its outcome arrived first) or absent.
   */
  keepTaskToken(
    orderId: string,
    chargeId: string,
    taskToken: string,
  ): Promise<{ readonly kept: true } | { readonly kept: false; readonly order?: OrderRecord }>;
  /**
   * A pending or FAILED payment canceled at the provider → CANCELED. False when it became CHARGED
   * meanwhile (then it is refunded instead).
   */
  recordCanceled(orderId: string, chargeId: string, reason: string): Promise<boolean>;
  /**
   * A refund made at the provider (its dashboard), on this payment: appended to the order's refunds
   * (`by: "provider"`) and counted in refundedTotal, once per refund id. False when it was recorded
   * before, or the order's payment is another or not charged.
   */
  recordProviderRefund(orderId: string, chargeId: string, refund: RefundEntry): Promise<boolean>;
  /**
   * The provider's dispute on this payment, as it now stands (opened, changed or closed). The order
   * before the write (`opened`: the first time this dispute is recorded); undefined when the order's
   * payment is another.
   */
  recordDispute(
    orderId: string,
    chargeId: string,
    dispute: DisputeRecord,
  ): Promise<
    { readonly order: OrderRecord; readonly opened: boolean; readonly changed: boolean } | undefined
  >;
}

/** The provider's books: its settled payments of a window, each with what was refunded on it. */
export interface PaymentBooks {
  readonly provider: PaymentProvider;
  listCharges(since: Date): Promise<ProviderCharge[]>;
}

/** One refund as the provider keeps it. */
export interface ProviderRefund {
  readonly refundId: string;
  readonly amountMinor: number;
  /** The provider's status: only `succeeded` and `pending` refunds give money back. */
  readonly status: string;
  readonly reason?: string;
  readonly createdAt: string;
  /** Made by this order system (it names the order in the refund's metadata): recorded by its own flow. */
  readonly madeByOrderSystem: boolean;
}

/** What the provider knows of one payment: the order it names and the refunds made on it. */
export interface ProviderPayment {
  readonly orderId: string | undefined;
  readonly refunds: readonly ProviderRefund[];
}

/** Reads a payment back from the provider (Stripe's events no longer carry a charge's refunds). */
export interface PaymentLookup {
  /**
   * Undefined when the provider does not know the payment (Stripe's 404 `resource_missing`: another
   * account's, or one deleted in test mode); throws TransientError when the provider cannot be reached.
   */
  describePayment(chargeId: string): Promise<ProviderPayment | undefined>;
}
