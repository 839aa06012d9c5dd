import type {
  CancellationRecord,
  CustomerEmailRecord,
  CustomerEmailSubject,
  OrderRecord,
  OrderStatus,
  PricedLine,
  ShipmentRecord,
} from "./order";
import type { OrderListPosition } from "./order-cursor";
import type { ChargeRecord } from "./order";

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

/** The orders created since a moment (the reconciliation's window), and any order by id. */
export interface RecentOrders {
  createdSince(since: string): Promise<OrderRecord[]>;
  get(orderId: string): Promise<OrderRecord | undefined>;
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
