import type { OrderLine } from "./order-request";
import { toMajorUnits } from "./money";

export type OrderStatus = "PENDING" | "PROCESSING" | "CONFIRMED" | "FAILED";

/** An order line priced from InventoryTable (never from the client). */
export interface PricedLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly lineTotalMinor: number;
}

export interface PaymentRecord {
  readonly status: "CHARGED" | "REFUNDED";
  readonly chargeId: string;
  readonly amountMinor: number;
  readonly refundId?: string;
}

/** One item of the orders table. */
export interface OrderRecord {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly customerEmail: string;
  readonly items: readonly OrderLine[];
  /** A gateway card token (never a card number); read by ProcessPayment, never logged or returned. */
  readonly paymentToken: string;
  /** SHA-256 of the canonical request, to tell a replay from a different order under the same key. */
  readonly requestHash: string;
  readonly idempotencyKey?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly enqueuedAt?: string;
  /** Set while one request is sending the order to the queue (see OrderStore.claimEnqueue). */
  readonly enqueueClaimedAt?: string;
  readonly lines?: readonly PricedLine[];
  readonly totalMinor?: number;
  readonly currency?: string;
  readonly failureCode?: string;
  readonly failureReason?: string;
  readonly payment?: PaymentRecord;
  readonly paymentAttempts?: number;
  readonly inventoryReserved?: boolean;
  readonly confirmationNotifiedAt?: string;
}

export interface Product {
  readonly productId: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly stock: number;
}

/** The public view of an order (GET /orders/{orderId}): no token, no internal bookkeeping. */
export function orderView(order: OrderRecord): Record<string, unknown> {
  const items = order.lines
    ? order.lines.map((l) => ({
        productId: l.productId,
        name: l.name,
        quantity: l.quantity,
        unitPrice: toMajorUnits(l.unitPriceMinor),
        lineTotal: toMajorUnits(l.lineTotalMinor),
      }))
    : order.items.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  return {
    orderId: order.orderId,
    status: order.status,
    items,
    total: order.totalMinor === undefined ? null : toMajorUnits(order.totalMinor),
    currency: order.currency ?? null,
    ...(order.failureReason ? { failureReason: order.failureReason, failureCode: order.failureCode } : {}),
    ...(order.payment ? { paymentStatus: order.payment.status } : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

export function productView(product: Product): Record<string, unknown> {
  return {
    productId: product.productId,
    name: product.name,
    price: toMajorUnits(product.priceMinor),
    currency: product.currency,
    stock: product.stock,
  };
}
