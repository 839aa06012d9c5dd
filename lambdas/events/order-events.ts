/**
 * The order events other systems subscribe to, derived from the order as committed: every fact an
 * order's item shows (placed, confirmed or failed, cancelled, shipped, each refund, each return asked
 * for and each receipt) is one event, and a change publishes the facts its new image shows that its
 * old image did not. Facts only accumulate on an order (statuses move forward, refunds and returns
 * are appended), so the count of an image's facts only grows: an event's `sequence` is that count
 * when it appeared, and its `eventId` names the fact itself, the same however often it is published.
 */
import { orderItemsView, type OrderRecord } from "../orders/order";
import { toMajorUnits } from "../platform/money";

/** The version of every event's `detail`: a breaking change to any event needs a new one. */
export const SCHEMA_VERSION = "1";

export const ORDER_DETAIL_TYPES = [
  "Order Placed",
  "Order Confirmed",
  "Order Failed",
  "Order Cancelled",
  "Order Shipped",
  "Order Refunded",
  "Return Requested",
  "Return Received",
] as const;
export const STOCK_DETAIL_TYPES = ["Stock Low", "Stock Adjusted"] as const;
export const DETAIL_TYPES = [...ORDER_DETAIL_TYPES, ...STOCK_DETAIL_TYPES] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

/** One event as the publisher puts it on the bus. */
export interface DomainEvent {
  readonly detailType: DetailType;
  readonly detail: { readonly eventId: string; readonly occurredAt: string } & Record<string, unknown>;
}

interface OrderFact {
  /** Unique within the order: the event's id is the order's id and this. */
  readonly key: string;
  readonly detailType: (typeof ORDER_DETAIL_TYPES)[number];
  readonly occurredAt: string;
  readonly fields: Record<string, unknown>;
}

const wasConfirmed = (order: OrderRecord) =>
  ["CONFIRMED", "SHIPPED", "RETURNED"].includes(order.status) ||
  (order.status === "CANCELLED" && order.cancellation?.fromStatus === "CONFIRMED");

const money = (order: OrderRecord, minor: number | undefined) => ({
  ...(minor === undefined ? {} : { amount: toMajorUnits(minor) }),
  currency: order.currency ?? null,
});

/** The order's own course: placed, then confirmed or failed, cancelled, shipped. */
function statusFacts(order: OrderRecord): OrderFact[] {
  const facts: OrderFact[] = [
    {
      key: "placed",
      detailType: "Order Placed",
      occurredAt: order.createdAt,
      fields: { items: order.items.map((l) => ({ productId: l.productId, quantity: l.quantity })) },
    },
  ];
  const total = {
    total: order.totalMinor === undefined ? null : toMajorUnits(order.totalMinor),
    currency: order.currency ?? null,
  };
  if (wasConfirmed(order)) {
    facts.push({
      key: "confirmed",
      detailType: "Order Confirmed",
      occurredAt: order.confirmationNotifiedAt ?? order.updatedAt,
      fields: { items: orderItemsView(order), ...total },
    });
  }
  if (order.status === "FAILED") {
    facts.push({
      key: "failed",
      detailType: "Order Failed",
      occurredAt: order.updatedAt,
      fields: { failureCode: order.failureCode ?? "Unknown", items: orderItemsView(order), ...total },
    });
  }
  if (order.status === "CANCELLED") {
    facts.push({
      key: "cancelled",
      detailType: "Order Cancelled",
      occurredAt: order.cancellation?.at ?? order.updatedAt,
      fields: {
        fromStatus: order.cancellation?.fromStatus ?? null,
        items: orderItemsView(order),
        ...total,
        refund:
          order.cancellation?.refundMinor === undefined ? null : toMajorUnits(order.cancellation.refundMinor),
      },
    });
  }
  if (order.shipment) {
    facts.push({
      key: "shipped",
      detailType: "Order Shipped",
      occurredAt: order.shipment.at,
      fields: {
        carrier: order.shipment.carrier,
        trackingNumber: order.shipment.trackingNumber,
        items: orderItemsView(order),
      },
    });
  }
  return facts;
}

/** Each refund, in the order they were recorded, with what was refunded up to it. */
function refundFacts(order: OrderRecord): OrderFact[] {
  let refunded = 0;
  return (order.refunds ?? []).map((refund) => {
    refunded += refund.amountMinor;
    return {
      key: `refund:${refund.refundId}`,
      detailType: "Order Refunded",
      occurredAt: refund.at,
      fields: {
        refundId: refund.refundId,
        ...money(order, refund.amountMinor),
        by: refund.by,
        refundedTotal: toMajorUnits(refunded),
        ...(refund.receiptId ? { receiptId: refund.receiptId } : {}),
      },
    };
  });
}

/** Each return asked for, then each receipt of each. */
function returnFacts(order: OrderRecord): OrderFact[] {
  const returns = order.returns ?? [];
  return [
    ...returns.map((ret): OrderFact => ({
      key: `return:${ret.returnId}`,
      detailType: "Return Requested",
      occurredAt: ret.requestedAt,
      fields: {
        returnId: ret.returnId,
        items: ret.items.map((l) => ({ productId: l.productId, quantity: l.quantity })),
      },
    })),
    ...returns.flatMap((ret) =>
      (ret.receipts ?? []).map((receipt): OrderFact => ({
        key: `receipt:${receipt.receiptId}`,
        detailType: "Return Received",
        occurredAt: receipt.at,
        fields: {
          returnId: ret.returnId,
          receiptId: receipt.receiptId,
          items: receipt.items.map((l) => ({
            productId: l.productId,
            quantity: l.quantity,
            restock: l.restock,
          })),
          ...money(order, receipt.refundMinor),
        },
      })),
    ),
  ];
}

/** Every fact the order shows. */
export function orderFacts(order: OrderRecord): OrderFact[] {
  return [...statusFacts(order), ...refundFacts(order), ...returnFacts(order)];
}

/**
 * The events of one committed change of an order: the facts its new image shows and its old image
 * did not, numbered after the old image's facts. Nothing when the change shows no new fact (an
 * e-mail recorded, a reservation marker, an erasure).
 */
export function orderEventsOf(before: OrderRecord | undefined, after: OrderRecord): DomainEvent[] {
  const earlier = before ? orderFacts(before) : [];
  const known = new Set(earlier.map((f) => f.key));
  return orderFacts(after)
    .filter((fact) => !known.has(fact.key))
    .map((fact, i) => ({
      detailType: fact.detailType,
      detail: {
        schemaVersion: SCHEMA_VERSION,
        eventId: `${after.orderId}:${fact.key}`,
        occurredAt: fact.occurredAt,
        orderId: after.orderId,
        customerId: after.customerId ?? null,
        sequence: earlier.length + i + 1,
        ...fact.fields,
      },
    }));
}
