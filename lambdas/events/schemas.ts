/**
 * One JSON Schema (draft-04, what the EventBridge Schema Registry accepts) per detail-type: the
 * stack registers each, tests validate every event the system emits against its own, and
 * docs/EVENTS.md describes them. Every schema is closed (`additionalProperties: false`): a field
 * added to an event without its schema fails the tests. A breaking change needs a new schemaVersion.
 */
import { DETAIL_TYPES, SCHEMA_VERSION, type DetailType } from "./order-events";

type Schema = Record<string, unknown>;

const text: Schema = { type: "string", minLength: 1 };
const time: Schema = { type: "string", format: "date-time" };
const amount: Schema = { type: "number", minimum: 0 };
const count: Schema = { type: "integer", minimum: 1 };
const currency: Schema = { type: ["string", "null"] };
const nullableAmount: Schema = { type: ["number", "null"], minimum: 0 };

const closed = (properties: Record<string, Schema>, required: readonly string[]): Schema => ({
  type: "object",
  properties,
  required: [...required],
  additionalProperties: false,
});

const unpricedItems: Schema = {
  type: "array",
  minItems: 1,
  items: closed({ productId: text, quantity: count }, ["productId", "quantity"]),
};
/** An order's lines: priced once the order was validated, productId and quantity before. */
const orderItems: Schema = {
  type: "array",
  minItems: 1,
  items: closed({ productId: text, name: text, quantity: count, unitPrice: amount, lineTotal: amount }, [
    "productId",
    "quantity",
  ]),
};

const base = {
  schemaVersion: { type: "string", enum: [SCHEMA_VERSION] },
  eventId: text,
  occurredAt: time,
  sequence: count,
};
const orderBase = { ...base, orderId: text, customerId: { type: ["string", "null"] } };
const ORDER_REQUIRED = ["schemaVersion", "eventId", "occurredAt", "sequence", "orderId", "customerId"];
const STOCK_REQUIRED = ["schemaVersion", "eventId", "occurredAt", "sequence", "productId"];
const totals = { total: nullableAmount, currency };

const DETAILS: Readonly<Record<DetailType, Schema>> = {
  "Order Placed": closed({ ...orderBase, items: unpricedItems }, [...ORDER_REQUIRED, "items"]),
  "Order Confirmed": closed({ ...orderBase, items: orderItems, ...totals }, [
    ...ORDER_REQUIRED,
    "items",
    "total",
    "currency",
  ]),
  "Order Failed": closed({ ...orderBase, failureCode: text, items: orderItems, ...totals }, [
    ...ORDER_REQUIRED,
    "failureCode",
    "items",
  ]),
  "Order Cancelled": closed(
    {
      ...orderBase,
      fromStatus: { type: ["string", "null"], enum: ["PENDING", "PROCESSING", "CONFIRMED", null] },
      items: orderItems,
      ...totals,
      refund: nullableAmount,
    },
    [...ORDER_REQUIRED, "fromStatus", "items", "refund"],
  ),
  "Order Shipped": closed({ ...orderBase, carrier: text, trackingNumber: text, items: orderItems }, [
    ...ORDER_REQUIRED,
    "carrier",
    "trackingNumber",
    "items",
  ]),
  "Order Refunded": closed(
    { ...orderBase, refundId: text, amount, currency, by: text, refundedTotal: amount, receiptId: text },
    [...ORDER_REQUIRED, "refundId", "amount", "currency", "by", "refundedTotal"],
  ),
  "Return Requested": closed({ ...orderBase, returnId: text, items: unpricedItems }, [
    ...ORDER_REQUIRED,
    "returnId",
    "items",
  ]),
  "Return Received": closed(
    {
      ...orderBase,
      returnId: text,
      receiptId: text,
      items: {
        type: "array",
        minItems: 1,
        items: closed({ productId: text, quantity: count, restock: { type: "boolean" } }, [
          "productId",
          "quantity",
          "restock",
        ]),
      },
      amount,
      currency,
    },
    [...ORDER_REQUIRED, "returnId", "receiptId", "items", "amount", "currency"],
  ),
  "Stock Low": closed(
    {
      ...base,
      productId: text,
      stock: { type: "integer", minimum: 0 },
      cause: { type: "string", enum: ["sale", "adjustment"] },
      orderId: text,
    },
    [...STOCK_REQUIRED, "stock", "cause"],
  ),
  "Stock Adjusted": closed(
    {
      ...base,
      productId: text,
      adjustmentId: text,
      delta: { type: "integer" },
      stockAfter: { type: "integer", minimum: 0 },
      reason: { type: "string", enum: ["received", "correction", "damaged", "lost"] },
      by: text,
    },
    [...STOCK_REQUIRED, "adjustmentId", "delta", "stockAfter", "reason", "by"],
  ),
};

/** The whole event as a subscriber receives it (EventBridge's envelope), with this detail-type's detail. */
export function eventSchema(detailType: DetailType): Schema {
  return {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: detailType,
    type: "object",
    properties: {
      version: { type: "string" },
      id: text,
      "detail-type": { type: "string", enum: [detailType] },
      source: text,
      account: { type: "string" },
      time: time,
      region: { type: "string" },
      resources: { type: "array", items: { type: "string" } },
      detail: DETAILS[detailType],
    },
    required: ["id", "detail-type", "source", "time", "detail"],
  };
}

/** The Schema Registry's name of a detail-type's schema: `<source>@<DetailType without spaces>`. */
export function schemaNameOf(source: string, detailType: DetailType): string {
  return `${source}@${detailType.replace(/ /g, "")}`;
}

export const EVENT_SCHEMAS: readonly { readonly detailType: DetailType; readonly schema: Schema }[] =
  DETAIL_TYPES.map((detailType) => ({ detailType, schema: eventSchema(detailType) }));
