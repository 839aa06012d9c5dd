/** Inputs and outputs of the workflow's Lambda tasks: the contract between the definition and handlers. */
import * as z from "zod/mini";
import { ORDER_ID_PATTERN } from "../platform/ids";
import type { PricedLine } from "../orders/order";

export const orderIdSchema = z.string().check(z.regex(ORDER_ID_PATTERN, "orderId must be a UUID"));

/**
 * A product as ValidateOrder read it (consistently): the reservation plans from it instead of
 * reading again (which band of the stock it expects to meet, whether the product's log is due to be
 * copied out), and reads only when the stock moved out of that band meanwhile.
 */
const stockSeenSchema = z.object({
  stock: z.int().check(z.gte(0)),
  logSize: z.int().check(z.gte(0)),
  name: z.string(),
  threshold: z.optional(z.int().check(z.gte(0))),
});
export type StockSeen = z.infer<typeof stockSeenSchema>;

const orderItemSchema = z.object({
  productId: z.string().check(z.minLength(1)),
  quantity: z.int().check(z.gte(1)),
  seen: z.optional(stockSeenSchema),
});
const orderItemsSchema = z.array(orderItemSchema).check(z.minLength(1));

/**
 * An execution's input: the order id and, when the order's stream record carried them, its items
 * (ValidateOrder then prices them without reading the order again).
 */
export const workflowInputSchema = z.object({ orderId: orderIdSchema, items: z.optional(orderItemsSchema) });
export type WorkflowInput = z.infer<typeof workflowInputSchema>;

/**
 * An OrdersQueue message, as the OrderOutbox pipe writes it: the order id, and the order's items as
 * the stream record holds them (DynamoDB JSON). Messages of an older shape carry the id only.
 */
const streamItemsSchema = z.array(
  z.object({
    M: z.object({ productId: z.object({ S: z.string() }), quantity: z.object({ N: z.string() }) }),
  }),
);
export const orderMessageSchema = z.object({ orderId: orderIdSchema, items: z.optional(streamItemsSchema) });
export type StreamOrderItems = z.infer<typeof streamItemsSchema>;

/** The execution input an OrdersQueue message starts. */
export function workflowInputOf(message: unknown): WorkflowInput {
  const { orderId, items } = orderMessageSchema.parse(message);
  return workflowInputSchema.parse({
    orderId,
    ...(items
      ? { items: items.map(({ M }) => ({ productId: M.productId.S, quantity: Number(M.quantity.N) })) }
      : {}),
  });
}

export interface ValidatedOrder {
  readonly orderId: string;
  readonly totalMinor: number;
  readonly currency: string;
  readonly items: readonly {
    readonly productId: string;
    readonly quantity: number;
    readonly seen?: StockSeen;
  }[];
  /** The priced lines ProcessPayment records on the order with the charge. */
  readonly lines: readonly PricedLine[];
}

export const paymentRequestSchema = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("charge"),
    orderId: orderIdSchema,
    amountMinor: z.int().check(z.gte(0)),
    currency: z.string(),
    lines: z.array(
      z.object({
        productId: z.string(),
        name: z.string(),
        quantity: z.int().check(z.gte(1)),
        unitPriceMinor: z.int(),
        lineTotalMinor: z.int(),
      }),
    ),
  }),
  z.object({ action: z.literal("refund"), orderId: orderIdSchema }),
  /** The wait for the payment's outcome ended without one (or with a failure): cancel it. */
  z.object({
    action: z.literal("cancel"),
    orderId: orderIdSchema,
    /** Why the wait ended (the error at $.error): PaymentActionTimedOut is counted for its alarm. */
    reason: z.optional(z.string()),
  }),
]);
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

export const inventoryRequestSchema = z.object({
  /** reserve (default): take the stock; release: the saga gives back what this order took. */
  action: z.optional(z.enum(["reserve", "release"])),
  orderId: orderIdSchema,
  items: orderItemsSchema,
});
