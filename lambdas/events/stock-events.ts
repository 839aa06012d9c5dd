/**
 * The stock events: a staff adjustment of a product's stock (`Stock Adjusted`) and a change that
 * took it to or below its low-stock threshold (`Stock Low`), from the product's numbered movements.
 * A change publishes the movements numbered after the old image's last one; the movement's number is
 * the event's `sequence` (per product), and the event's id names the movement.
 */
import type { StockMovement } from "../catalog/stock";
import { SCHEMA_VERSION, type DomainEvent } from "./order-events";

/** The events of the product's movements numbered after `after` (the old image's last number). */
export function stockEventsOf(movements: readonly StockMovement[], after: number): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const m of movements) {
    if (m.seq <= after) continue;
    const base = {
      schemaVersion: SCHEMA_VERSION,
      occurredAt: m.at,
      productId: m.productId,
      sequence: m.seq,
    };
    if (m.kind === "adjustment") {
      events.push({
        detailType: "Stock Adjusted",
        detail: {
          ...base,
          eventId: `${m.productId}:${m.seq}:adjusted`,
          adjustmentId: m.adjustmentId,
          delta: m.delta,
          stockAfter: m.stockAfter,
          reason: m.reason,
          by: m.by,
        },
      });
    }
    if (m.lowStock) {
      events.push({
        detailType: "Stock Low",
        detail: {
          ...base,
          eventId: `${m.productId}:${m.seq}:low`,
          stock: m.stockAfter,
          cause: m.kind,
          ...("orderId" in m ? { orderId: m.orderId } : {}),
        },
      });
    }
  }
  return events;
}
