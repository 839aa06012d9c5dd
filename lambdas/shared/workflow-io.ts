/** Inputs and outputs of the workflow's Lambda tasks: the contract between the definition and handlers. */
import * as z from "zod/mini";
import { ORDER_ID_PATTERN } from "./ids";

export const orderIdSchema = z.string().check(z.regex(ORDER_ID_PATTERN, "orderId must be a UUID"));

export const workflowInputSchema = z.object({ orderId: orderIdSchema });
export type WorkflowInput = z.infer<typeof workflowInputSchema>;

export interface ValidatedOrder {
  readonly orderId: string;
  readonly totalMinor: number;
  readonly currency: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
}

export const paymentRequestSchema = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("charge"),
    orderId: orderIdSchema,
    amountMinor: z.int().check(z.gte(0)),
    currency: z.string(),
  }),
  z.object({ action: z.literal("refund"), orderId: orderIdSchema }),
]);
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

export const inventoryRequestSchema = z.object({
  /** reserve (default): take the stock; release: the saga gives back what this order took. */
  action: z.optional(z.enum(["reserve", "release"])),
  orderId: orderIdSchema,
  items: z
    .array(z.object({ productId: z.string().check(z.minLength(1)), quantity: z.int().check(z.gte(1)) }))
    .check(z.minLength(1)),
});
