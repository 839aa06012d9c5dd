/**
 * The collaborators of the order logic. handler.ts files wire AWS SDK v3 adapters; the local
 * runtime and tests wire others (the DynamoDB adapters run for real against dynalite).
 */
import type { CustomerEmailData, CustomerEmailKind, CustomerEmailSubject } from "./customer-emails";
import type { ProviderRefund } from "./payment-events";
import type { ErasureRecord } from "./personal-data";
import type { ProviderCharge } from "./payment-reconciliation";
import type {
  CancellationRecord,
  DisputeRecord,
  RefundEntry,
  ShipmentRecord,
  CustomerEmailRecord,
  OrderRecord,
  OrderStatus,
  PendingPaymentStatus,
  PricedLine,
  Product,
} from "./order";
import type { OrderListPosition } from "./order-cursor";
import type { OrderLine } from "./order-request";
import type { PaymentProvider } from "./payment-providers";
import type { StreamOrderItems, WorkflowInput } from "./workflow-io";

export type CreateOrderResult =
  { readonly created: true } | { readonly created: false; readonly existing: OrderRecord };

/** One page of a customer's orders, newest first; `next` is where the following page starts. */
export interface OrderPage {
  readonly orders: readonly OrderRecord[];
  readonly next?: OrderListPosition;
}

/** What ValidateOrder priced from InventoryTable: the lines, their total and its currency. */
export interface PricedOrder {
  readonly lines: readonly PricedLine[];
  readonly totalMinor: number;
  readonly currency: string;
}

export interface OrderStore {
  /**
   * One transaction: the idempotency record (`keyHash` → orderId) and the PENDING order, each only
   * if absent. When the key was used before, nothing is written and the first order is returned.
   * The order's arrival in the table is what queues it (the table's stream, carried to OrdersQueue).
   */
  createPending(order: OrderRecord, keyHash: string): Promise<CreateOrderResult>;
  get(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * A customer's orders, newest first, from the customer's-orders index (eventually consistent: an
   * order placed a moment ago may be missing for a moment). Records carry the index's attributes.
   */
  listByCustomer(customerId: string, limit: number, after?: OrderListPosition): Promise<OrderPage>;
  /**
   * Touches a PENDING order that has waited since before `staleBefore` (and was not touched since),
   * so the stream carries it to the queue again. False when it is no longer PENDING or not stale.
   */
  requeue(orderId: string, now: string, staleBefore: string): Promise<boolean>;
  /**
   * Opens the payment in one write: PENDING|PROCESSING → PROCESSING with the priced lines, and one
   * more payment attempt counted. Returns the order as it now is and the attempt number (1 for the
   * first). Throws OrderNotFound if absent, OrderAlreadyFinished once CONFIRMED or FAILED.
   */
  startPayment(
    orderId: string,
    priced: PricedOrder,
  ): Promise<{ readonly order: OrderRecord; readonly attempt: number }>;
  /**
   * Records the charge, unless the order holds another outcome of its payment (a refund, or another
   * charge): then throws PaymentAlreadySettled, so a duplicate run never brings a refund back.
   * Answers the order's status as the write left it (CANCELLED: the charge must be given back).
   */
  recordCharge(orderId: string, charge: ChargeRecord): Promise<OrderStatus>;
  recordRefund(orderId: string, refundId: string): Promise<void>;
  /**
   * PENDING|PROCESSING → CONFIRMED. Returns the order and whether this call changed it (false for a
   * replayed event or an order that already FAILED); undefined when the order does not exist. With
   * `claimEmailAt`, the same write claims the confirmation e-mail (as claimCustomerEmail would) when
   * it changes the order: a first confirmation costs one write.
   */
  markConfirmed(
    orderId: string,
    options?: { readonly claimEmailAt?: string },
  ): Promise<{ readonly order: OrderRecord; readonly changed: boolean } | undefined>;
  /** Records that the "order confirmed" notification went out, so a replay does not send it twice. */
  markConfirmationNotified(orderId: string): Promise<void>;
  /**
   * Claims the right to send one customer e-mail: true when nobody has (or a claim older than
   * `claimExpiredBefore` was abandoned); false when it was sent, is being sent, or was given up.
   */
  claimCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    now: string,
    claimExpiredBefore: string,
  ): Promise<boolean>;
  /**
   * Gives a claim back (the send failed and will be retried), if it is still this claim.
   * `confirmationNotified` also records that the "order confirmed" notification went out.
   */
  releaseCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    claimedAt: string,
    options?: { readonly confirmationNotified?: boolean },
  ): Promise<void>;
  /** What became of a claimed e-mail (SENT with SES's message id, SUPPRESSED, REJECTED, OFF). */
  recordCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    outcome: CustomerEmailRecord,
    options?: { readonly confirmationNotified?: boolean },
  ): Promise<void>;
}

/** What the confirmation step does to an order (OrderSuccessHandler): the rest of OrderStore is not its business. */
export type ConfirmationStore = Pick<
  OrderStore,
  | "get"
  | "markConfirmed"
  | "claimCustomerEmail"
  | "releaseCustomerEmail"
  | "recordCustomerEmail"
  | "markConfirmationNotified"
>;

export interface CustomerEmail {
  readonly to: string;
  readonly kind: CustomerEmailKind;
  readonly data: CustomerEmailData;
}

export interface CustomerMailer {
  /**
   * Sends one templated e-mail; SES's message id. Throws EmailRejected for a refusal no retry can
   * change (an unverified recipient in the SES sandbox, a bad address); anything else is transient.
   */
  send(email: CustomerEmail): Promise<{ readonly messageId: string }>;
}

/** Addresses the store no longer mails: hard bounces and complaints (SES feedback). */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
  /** "exists" when the address was suppressed already (the first reason is kept). */
  suppress(address: string, reason: "BOUNCE" | "COMPLAINT", at: string): Promise<"added" | "exists">;
}

export type ReserveResult = "reserved" | "already-reserved" | "order-cancelled";
export type ReleaseResult = "released" | "nothing-reserved";

export interface InventoryStore {
  getProducts(productIds: readonly string[]): Promise<Map<string, Product>>;
  listProducts(): Promise<Product[]>;
  /**
   * Decrements stock for every line in one transaction, all or nothing, together with an order
   * marker so a replayed call never decrements twice. Throws OutOfStock when any line is short.
   */
  reserveStock(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult>;
  /**
   * Compensation: gives back the stock this order took, in one transaction that also clears the
   * order marker, so it happens at most once and only if the reservation did.
   */
  releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult>;
  /** Writes a catalog product unless it exists already (stock is never reset). */
  seedProduct(product: Product): Promise<"created" | "exists">;
}

/** What a charge left on the order: the provider's id of it (Stripe: the PaymentIntent), its amount, who. */
export interface ChargeRecord {
  readonly chargeId: string;
  readonly amountMinor: number;
  readonly provider: PaymentProvider;
}

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

/** What became of a cancellation or a shipment: the order as it now is. */
export type OrderChange =
  | { readonly kind: "changed"; readonly order: OrderRecord }
  /** The order's status does not allow the change (already changed so, or a status past it). */
  | { readonly kind: "unchanged"; readonly order: OrderRecord }
  | { readonly kind: "not-found" };

/** Changes after the sale, each one conditional write from the status the order was read in. */
export interface OrderChanges {
  get(orderId: string): Promise<OrderRecord | undefined>;
  /** PENDING, PROCESSING or CONFIRMED → CANCELLED, recording who, when, why and from what. */
  cancel(
    orderId: string,
    cancellation: Omit<CancellationRecord, "fromStatus" | "refundMinor">,
  ): Promise<OrderChange>;
  /** CONFIRMED → SHIPPED with the carrier and tracking number. */
  ship(orderId: string, shipment: ShipmentRecord): Promise<OrderChange>;
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

/** The orders created since a moment (the reconciliation's window), and any order by id. */
export interface RecentOrders {
  createdSince(since: string): Promise<OrderRecord[]>;
  get(orderId: string): Promise<OrderRecord | undefined>;
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

/** Step Functions' callback API for the waiting payment step (SendTaskSuccess / SendTaskFailure). */
export interface WorkflowCallbacks {
  /** `gone`: the task no longer waits (it timed out, or another call already completed it). */
  succeed(taskToken: string, output: unknown): Promise<"delivered" | "gone">;
  fail(taskToken: string, error: string, cause: string): Promise<"delivered" | "gone">;
}

export interface Notification {
  readonly subject: string;
  readonly message: string;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** An OrdersQueue message: the order id and, as the orders table's stream holds them, its items. */
export interface OrderQueueMessage {
  readonly orderId: string;
  readonly items?: StreamOrderItems;
}

export interface OrderQueue {
  send(message: OrderQueueMessage): Promise<void>;
}

export interface WorkflowStarter {
  /** Starts the execution named `orderId`; a second start of the same name is not an error. */
  start(orderId: string, input: WorkflowInput): Promise<"started" | "already-started">;
}

/** An order that stopped moving: its id, status and when it was last updated. */
export interface StaleOrder {
  readonly orderId: string;
  readonly status: "PENDING" | "PROCESSING";
  readonly updatedAt: string;
}

/** The orders not updated since a time, by status (the orders-by-status index), oldest first. */
export interface StaleOrderFinder {
  list(status: StaleOrder["status"], updatedBefore: string, limit: number): Promise<StaleOrder[]>;
}

/** A customer's orders and keys, read and erased (every write conditional on their customerId). */
export interface CustomerDataStore {
  /** Every order of the customer (the customer index, then each order whole). */
  ordersOf(customerId: string): Promise<OrderRecord[]>;
  /** Replaces the order's personal fields; false when it was erased already (or is not theirs). */
  eraseOrder(orderId: string, customerId: string, at: string): Promise<boolean>;
  /** Deletes an idempotency-key record of theirs; false when it was gone. */
  deleteKey(keyHash: string, orderId: string): Promise<boolean>;
  erasureOf(customerId: string): Promise<ErasureRecord | undefined>;
  recordErasure(customerId: string, record: ErasureRecord): Promise<void>;
}

/** The suppression list as an erasure sees it. */
export interface AddressSuppressions {
  isSuppressed(address: string): Promise<boolean>;
  /** Keeps a suppressed address as its hash only; true when it is suppressed. */
  keepHashOnly(address: string): Promise<boolean>;
}

/** The customers' accounts (the Cognito user pool). */
export interface CustomerAccounts {
  /** Deletes the account; its tokens are refused from then on (locally at once; see docs). */
  delete(customerId: string): Promise<"deleted" | "absent">;
}
