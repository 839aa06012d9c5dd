/**
 * A product's stock and why it is what it is: every change is a movement with its cause and the
 * stock after it, numbered 1, 2, 3… per product, so that the movements from the product's creation
 * add up to its stock. The low-stock rule says when a change is worth telling the operators.
 */
import type { Notification, Notifier } from "../alerts/ports";

export const ADJUSTMENT_REASONS = ["received", "correction", "damaged", "lost"] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

/** A staff adjustment of a product's stock (POST /products/{productId}/stock-adjustments). */
export interface StockAdjustment {
  readonly delta: number;
  readonly reason: AdjustmentReason;
  readonly note?: string;
}

/** Who records a product's first stock when no person does: the deploy-time seed, or the system. */
export const SEED_ACTOR = "catalogue-seed";
export const SYSTEM_ACTOR = "system";

/** Why a product's stock changed. */
export type MovementCause =
  /** An order took the units (UpdateInventory's reservation). */
  | { readonly kind: "sale"; readonly orderId: string }
  /** An order gave them back: its cancellation, or the workflow's compensation. */
  | { readonly kind: "release"; readonly orderId: string }
  /** A customer's return, received with restock. */
  | { readonly kind: "return"; readonly orderId: string; readonly returnId: string }
  /** Staff (or the seed, for a product's first stock) counted, received or lost units. */
  | {
      readonly kind: "adjustment";
      readonly adjustmentId: string;
      readonly reason: AdjustmentReason;
      readonly note?: string;
      readonly by: string;
    };

/** A movement as the product's own log keeps it: its number and stock after follow from its place. */
export type LoggedMovement = MovementCause & {
  readonly delta: number;
  /** ISO 8601. */
  readonly at: string;
  /** This change took the stock from above the product's low-stock threshold to at or below it. */
  readonly lowStock?: boolean;
};

/** One change of one product's stock, as recorded beside it. */
export type StockMovement = MovementCause & {
  readonly productId: string;
  /** 1 for the product's first movement, then one more for each. */
  readonly seq: number;
  readonly delta: number;
  readonly stockAfter: number;
  /** ISO 8601. */
  readonly at: string;
  /** This change took the stock from above the product's low-stock threshold to at or below it. */
  readonly lowStock?: boolean;
};

/** A change of stock crosses the threshold only on the way down, from above it to at or below it. */
export function crossesLowStock(before: number, after: number, threshold: number): boolean {
  return before > threshold && after <= threshold;
}

/** low_stock_threshold as a function reads it: a whole number, 0 or more. */
export function thresholdSetting(value: string): number {
  const threshold = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(threshold)) {
    throw new Error(
      `The low-stock threshold (low_stock_threshold) must be a whole number, 0 or more (got "${value}").`,
    );
  }
  return threshold;
}

/** A product's threshold: its own, or the deployment's default (low_stock_threshold). */
export function thresholdOf(own: number | undefined, defaultThreshold: number): number {
  return own ?? defaultThreshold;
}

/** A product whose stock just went to or below its threshold. */
export interface LowStock {
  readonly productId: string;
  readonly name: string;
  readonly stock: number;
  readonly threshold: number;
  /** The movement that crossed it. */
  readonly movement: StockMovement;
}

/** What the operators read on their topic when a product runs low. */
export function lowStockNotification(low: LowStock): Notification {
  const cause =
    low.movement.kind === "adjustment"
      ? `a ${low.movement.reason} adjustment of ${low.movement.delta} by ${low.movement.by}`
      : `${low.movement.kind} of ${Math.abs(low.movement.delta)} for order ${low.movement.orderId}`;
  return {
    subject: `Low stock: ${low.productId} has ${low.stock} left`,
    message: [
      `${low.name} (${low.productId}) is low on stock: ${low.stock} left, threshold ${low.threshold}.`,
      `Changed by ${cause} at ${low.movement.at} (movement ${low.movement.seq}).`,
      "You are told once each time the stock goes from above the threshold to at or below it;",
      "a restock above the threshold re-arms the message.",
    ].join("\n"),
  };
}

/** Tells the operators of products that ran low (after the change is committed). */
export interface LowStockAlerts {
  tell(products: readonly LowStock[]): Promise<void>;
}

/**
 * Low-stock alerts on the operators' topic. The change is committed before it is told, so a message
 * that cannot be sent is reported (`failed`: logged and counted by the caller), never a reason to
 * undo or repeat the change; the movement keeps `lowStock: true` either way.
 */
export function notifierAlerts(
  notifier: Notifier,
  failed: (low: LowStock, error: unknown) => void,
): LowStockAlerts {
  return {
    async tell(products) {
      for (const low of products) {
        try {
          await notifier.publish(lowStockNotification(low));
        } catch (error) {
          failed(low, error);
        }
      }
    },
  };
}

/** A movement as staff read it (GET /products/{productId}/stock-movements). */
export function movementView(movement: StockMovement): Record<string, unknown> {
  const cause =
    movement.kind === "adjustment"
      ? {
          adjustmentId: movement.adjustmentId,
          reason: movement.reason,
          ...(movement.note === undefined ? {} : { note: movement.note }),
          by: movement.by,
        }
      : movement.kind === "return"
        ? { orderId: movement.orderId, returnId: movement.returnId }
        : { orderId: movement.orderId };
  return {
    seq: movement.seq,
    kind: movement.kind,
    delta: movement.delta,
    stockAfter: movement.stockAfter,
    at: movement.at,
    ...cause,
    ...(movement.lowStock ? { lowStock: true } : {}),
  };
}

/** The opaque cursor of a product's movements: the product and the seq the next page starts below. */
export function encodeMovementCursor(productId: string, beforeSeq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, productId, before: beforeSeq })).toString("base64url");
}

/** The seq a cursor names for this product, or undefined for a cursor that is not one of its pages. */
export function decodeMovementCursor(cursor: string, productId: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return undefined;
  try {
    const json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    const before = json.before;
    return json.v === 1 && json.productId === productId && Number.isSafeInteger(before) && Number(before) > 1
      ? Number(before)
      : undefined;
  } catch {
    return undefined;
  }
}

/** One page of a product's movements, newest first. */
export interface MovementPage {
  readonly movements: readonly StockMovement[];
  /** Where the next (older) page starts; undefined on the last page. */
  readonly next?: string;
}
