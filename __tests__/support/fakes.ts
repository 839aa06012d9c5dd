/**
 * In-memory fakes of the order system's ports, for unit tests that call a handler's createHandler:
 * no database process, no bundles, no network. They keep the rules the DynamoDB adapters enforce
 * (status guards from the order module, the enqueue claim, the once-only stock marker), so a
 * handler test exercises behaviour, not expression text; the adapters themselves run against
 * dynalite in the integration project.
 */
import { BusinessError } from "../../lambdas/platform/errors";
import {
  emailAttributeOf,
  type CustomerEmailRecord,
  isLegalTransition,
  type OrderRecord,
  type OrderStatus,
} from "../../lambdas/orders/order";
import { type Product } from "../../lambdas/catalog/product";
import type { OrderListPosition } from "../../lambdas/orders/order-cursor";
import type { OrderLine } from "../../lambdas/orders/order-request";
import { normalizedAddress } from "../../lambdas/email/customer-emails";
import { type CustomerEmailSubject } from "../../lambdas/orders/order";
import type {
  ChargeOutcome,
  ChargeRequest,
  RefundRequest,
  PaymentGateway,
} from "../../lambdas/payments/ports";
import type { ChargeRecord } from "../../lambdas/orders/order";
import type { CustomerEmail, CustomerMailer, SuppressionList } from "../../lambdas/email/ports";
import type { CreateOrderResult, OrderPage, OrderStore, PricedOrder } from "../../lambdas/orders/ports";
import type { OrderQueue, OrderQueueMessage } from "../../lambdas/workflow/ports";
import type { InventoryStore, ReleaseResult, ReserveResult } from "../../lambdas/catalog/ports";
import type { Notification, Notifier } from "../../lambdas/alerts/ports";
import type { WorkflowStarter } from "../../lambdas/workflow/ports";

const now = () => new Date().toISOString();
const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryOrderStore implements OrderStore {
  readonly orders = new Map<string, OrderRecord>();
  /** Idempotency records: key hash → order id. */
  readonly keys = new Map<string, string>();
  /** What the orders table's stream carries to OrdersQueue: every write that leaves an order PENDING. */
  readonly stream: OrderQueueMessage[] = [];

  /**
   * @param initial orders already in the table
   * @param pipe where stream records go (the deployed EventBridge Pipe's OrdersQueue); kept in
   *   `stream` when omitted
   */
  constructor(
    initial: readonly OrderRecord[] = [],
    private readonly pipe?: OrderQueue,
  ) {
    for (const order of initial) this.orders.set(order.orderId, copy(order));
  }

  /** Orders whose stream record the pipe could not deliver (the pipe's dead-letter queue). */
  readonly pipeDeadLetters: string[] = [];

  /** The pipe runs apart from the writer: its failure never fails the write. */
  private async streamed(order: OrderRecord): Promise<void> {
    if (order.status !== "PENDING") return;
    // The pipe's template: the id, and the items as the stream record holds them (DynamoDB JSON).
    const message = {
      orderId: order.orderId,
      items: order.items.map((i) => ({
        M: { productId: { S: i.productId }, quantity: { N: String(i.quantity) } },
      })),
    };
    this.stream.push(message);
    await this.pipe?.send(message).catch(() => this.pipeDeadLetters.push(order.orderId));
  }

  private update(orderId: string, change: Partial<OrderRecord>): OrderRecord {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`ConditionalCheckFailed: no order ${orderId}`);
    const updated = { ...order, ...change } as OrderRecord;
    this.orders.set(orderId, updated);
    return updated;
  }

  /** Moves the order to `to` if the order module allows it from its current status. */
  private transition(orderId: string, to: OrderStatus, change: Partial<OrderRecord> = {}): boolean {
    const order = this.orders.get(orderId);
    if (!order || !isLegalTransition(order.status, to)) return false;
    this.update(orderId, { ...change, status: to, updatedAt: now() });
    return true;
  }

  /** Both puts or neither, as the DynamoDB transaction. */
  async createPending(order: OrderRecord, keyHash: string): Promise<CreateOrderResult> {
    const firstOrderId = this.keys.get(keyHash);
    if (firstOrderId) return { created: false, existing: copy(this.orders.get(firstOrderId)!) };
    if (this.orders.has(order.orderId)) throw new Error("TransactionCanceled: order id taken");
    this.keys.set(keyHash, order.orderId);
    this.orders.set(order.orderId, copy(order));
    await this.streamed(order);
    return { created: true };
  }

  async requeue(orderId: string, now: string, staleBefore: string): Promise<boolean> {
    const order = this.orders.get(orderId);
    if (!order || order.status !== "PENDING" || order.createdAt >= staleBefore) return false;
    if (order.requeuedAt !== undefined && order.requeuedAt >= staleBefore) return false;
    await this.streamed(this.update(orderId, { requeuedAt: now }));
    return true;
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const order = this.orders.get(orderId);
    return order && copy(order);
  }

  /** The index's order: newest createdAt first, then orderId descending, as DynamoDB sorts ties. */
  async listByCustomer(customerId: string, limit: number, after?: OrderListPosition): Promise<OrderPage> {
    const key = (o: { createdAt: string; orderId: string }) => `${o.createdAt}|${o.orderId}`;
    const mine = [...this.orders.values()]
      .filter((o) => o.customerId === customerId)
      .sort((a, b) => key(b).localeCompare(key(a)))
      .filter((o) => after === undefined || key(o) < key(after));
    const page = mine.slice(0, limit).map(copy);
    const last = page[page.length - 1];
    return {
      orders: page,
      next:
        mine.length > limit && last
          ? { orderId: last.orderId, customerId, createdAt: last.createdAt }
          : undefined,
    };
  }

  async startPayment(orderId: string, priced: PricedOrder): Promise<{ order: OrderRecord; attempt: number }> {
    const attempt = (this.orders.get(orderId)?.paymentAttempts ?? 0) + 1;
    const change = { lines: copy(priced.lines), totalMinor: priced.totalMinor, currency: priced.currency };
    if (!this.transition(orderId, "PROCESSING", { ...change, paymentAttempts: attempt })) {
      const existing = this.orders.get(orderId);
      if (!existing) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);
      throw new BusinessError("OrderAlreadyFinished", `Order ${orderId} is already ${existing.status}.`);
    }
    return { order: copy(this.orders.get(orderId)!), attempt };
  }

  async recordCharge(orderId: string, charge: ChargeRecord): Promise<OrderStatus> {
    const payment = this.orders.get(orderId)?.payment;
    if (payment && !(payment.chargeId === charge.chargeId && payment.status === "CHARGED")) {
      throw new BusinessError("PaymentAlreadySettled", `Order ${orderId}'s payment was already settled.`);
    }
    this.update(orderId, { payment: { status: "CHARGED", ...charge }, updatedAt: now() });
    return this.orders.get(orderId)!.status;
  }

  async recordRefund(orderId: string, refundId: string): Promise<void> {
    const payment = this.orders.get(orderId)?.payment;
    if (!payment) throw new Error(`ConditionalCheckFailed: order ${orderId} has no payment`);
    this.update(orderId, { payment: { ...payment, status: "REFUNDED", refundId }, updatedAt: now() });
  }

  async markConfirmed(
    orderId: string,
    options: { readonly claimEmailAt?: string } = {},
  ): Promise<{ order: OrderRecord; changed: boolean } | undefined> {
    if (!this.orders.has(orderId)) return undefined;
    const claim = options.claimEmailAt
      ? { [emailAttributeOf("confirmation")]: { status: "SENDING", claimedAt: options.claimEmailAt } }
      : {};
    const changed = this.transition(orderId, "CONFIRMED", claim as Partial<OrderRecord>);
    return { order: copy(this.orders.get(orderId)!), changed };
  }

  async markConfirmationNotified(orderId: string): Promise<void> {
    this.update(orderId, { confirmationNotifiedAt: now() });
  }

  async claimCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    at: string,
    claimExpiredBefore: string,
  ): Promise<boolean> {
    const order = this.orders.get(orderId);
    if (!order) return false;
    const current = order[emailAttributeOf(kind)];
    if (current && !(current.status === "SENDING" && current.claimedAt < claimExpiredBefore)) return false;
    const claim: CustomerEmailRecord = { status: "SENDING", claimedAt: at };
    this.update(orderId, { [emailAttributeOf(kind)]: claim });
    return true;
  }

  async releaseCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    claimedAt: string,
    options: { readonly confirmationNotified?: boolean } = {},
  ): Promise<void> {
    const current = this.orders.get(orderId)?.[emailAttributeOf(kind)];
    if (current?.status === "SENDING" && current.claimedAt === claimedAt) {
      this.update(orderId, {
        [emailAttributeOf(kind)]: undefined,
        ...(options.confirmationNotified ? { confirmationNotifiedAt: now() } : {}),
      });
    }
  }

  async recordCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    outcome: CustomerEmailRecord,
    options: { readonly confirmationNotified?: boolean } = {},
  ): Promise<void> {
    this.update(orderId, {
      [emailAttributeOf(kind)]: outcome,
      ...(options.confirmationNotified ? { confirmationNotifiedAt: now() } : {}),
    });
  }
}

/** The suppression list in memory, keyed by the normalized address. */
export class InMemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, { reason: "BOUNCE" | "COMPLAINT"; at: string }>();

  async isSuppressed(address: string): Promise<boolean> {
    return this.entries.has(normalizedAddress(address));
  }

  async suppress(address: string, reason: "BOUNCE" | "COMPLAINT", at: string): Promise<"added" | "exists"> {
    const key = normalizedAddress(address);
    if (this.entries.has(key)) return "exists";
    this.entries.set(key, { reason, at });
    return "added";
  }
}

/** Keeps every e-mail it is asked to send; `failNext` makes the next sends throw. */
export class RecordingMailer implements CustomerMailer {
  readonly sent: CustomerEmail[] = [];
  private failures: Error[] = [];

  failNext(...errors: Error[]): void {
    this.failures.push(...errors);
  }

  async send(email: CustomerEmail): Promise<{ readonly messageId: string }> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(email);
    return { messageId: `message-${this.sent.length}` };
  }
}

export class InMemoryInventoryStore implements InventoryStore {
  readonly products = new Map<string, Product>();
  /** Orders whose stock is taken: the marker that makes a reservation happen once. */
  readonly reservedOrders = new Set<string>();

  constructor(products: readonly Product[] = []) {
    for (const product of products) this.products.set(product.productId, { ...product });
  }

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    return new Map(
      productIds.filter((id) => this.products.has(id)).map((id) => [id, { ...this.products.get(id)! }]),
    );
  }

  async listProducts(): Promise<Product[]> {
    return [...this.products.values()].sort((a, b) => a.productId.localeCompare(b.productId));
  }

  async reserveStock(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult> {
    if (this.reservedOrders.has(orderId)) return "already-reserved";
    const short = lines.filter((l) => (this.products.get(l.productId)?.stock ?? -1) < l.quantity);
    if (short.length > 0) {
      throw new BusinessError(
        "OutOfStock",
        `Not enough stock left for ${short.map((l) => l.productId).join(", ")}.`,
      );
    }
    for (const line of lines) this.adjust(line.productId, -line.quantity);
    this.reservedOrders.add(orderId);
    return "reserved";
  }

  async releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult> {
    if (!this.reservedOrders.delete(orderId)) return "nothing-reserved";
    for (const line of lines) this.adjust(line.productId, line.quantity);
    return "released";
  }

  async seedProduct(product: Omit<Product, "active">): Promise<"created" | "exists"> {
    if (this.products.has(product.productId)) return "exists";
    this.products.set(product.productId, { ...product, active: true });
    return "created";
  }

  stockOf(productId: string): number | undefined {
    return this.products.get(productId)?.stock;
  }

  private adjust(productId: string, delta: number): void {
    const product = this.products.get(productId)!;
    this.products.set(productId, { ...product, stock: product.stock + delta });
  }
}

export class RecordingNotifier implements Notifier {
  readonly published: Notification[] = [];
  /** Publishes that fail before the notifier recovers. */
  failures = 0;

  async publish(notification: Notification): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("SNS publish failed");
    }
    this.published.push(notification);
  }
}

export class RecordingQueue implements OrderQueue {
  readonly sent: OrderQueueMessage[] = [];
  /** Sends that fail before the queue recovers. */
  failures = 0;

  /** @param delayMs how long each send takes, so concurrent requests overlap as they do in AWS. */
  constructor(private readonly delayMs = 0) {}

  async send(message: OrderQueueMessage): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failures > 0) {
      this.failures--;
      throw new Error("SQS send failed");
    }
    this.sent.push({ ...message });
  }
}

/** Step Functions' StartExecution: a name already used is "already-started", never a second run. */
export class RecordingWorkflowStarter implements WorkflowStarter {
  readonly started: string[] = [];
  failures = new Map<string, number>();

  async start(orderId: string): Promise<"started" | "already-started"> {
    const left = this.failures.get(orderId) ?? 0;
    if (left > 0) {
      this.failures.set(orderId, left - 1);
      throw new Error(`StartExecution failed for ${orderId}`);
    }
    if (this.started.includes(orderId)) return "already-started";
    this.started.push(orderId);
    return "started";
  }
}

/** Wraps a gateway and counts what reached it. */
export class CountingGateway implements PaymentGateway {
  readonly charges: ChargeRequest[] = [];
  readonly refunds: RefundRequest[] = [];

  constructor(private readonly inner: PaymentGateway) {}

  get provider() {
    return this.inner.provider;
  }

  readonly cancels: { orderId: string; chargeId: string }[] = [];

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    this.charges.push(request);
    return this.inner.charge(request);
  }

  async cancel(request: { orderId: string; chargeId: string }) {
    this.cancels.push(request);
    return this.inner.cancel(request);
  }

  async refund(request: RefundRequest) {
    this.refunds.push(request);
    return this.inner.refund(request);
  }
}

export const PRODUCTS: readonly Product[] = [
  {
    productId: "SKU-1001",
    name: "Trail Running Shoes",
    priceMinor: 1999,
    currency: "USD",
    stock: 10,
    active: true,
  },
  { productId: "SKU-1002", name: "Rain Jacket", priceMinor: 5950, currency: "USD", stock: 1, active: true },
  { productId: "SKU-2001", name: "Travel Mug", priceMinor: 1200, currency: "EUR", stock: 5, active: true },
];
