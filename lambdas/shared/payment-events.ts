/**
 * The provider's word on a payment, as the order system applies it: Stripe's PaymentIntent events
 * (verified from the webhook), or the simulated gateway's stand-in for them. The event id is what
 * makes each event apply once; the order id comes from the payment's metadata.
 */
import * as z from "zod/mini";
import { SIMULATED_OUTCOMES, type PaymentProvider } from "./payment-providers";
import type { PaymentOutcome } from "./ports";
import { orderIdSchema } from "./workflow-io";

export interface PaymentEvent {
  /** The provider's event id (Stripe: evt_…): applied once, however often delivered. */
  readonly id: string;
  readonly provider: PaymentProvider;
  /** The provider's event type, for the logs. */
  readonly type: string;
  /** From the payment's metadata; undefined for a payment this system did not make. */
  readonly orderId: string | undefined;
  /** The payment (Stripe: the PaymentIntent id). */
  readonly chargeId: string;
  readonly outcome: PaymentOutcome;
}

/** The Stripe event types that settle a pending payment; any other verified event is acknowledged. */
export const STRIPE_PAYMENT_EVENT_TYPES = [
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
] as const;

/** What the order keeps of a PaymentIntent event (the rest of Stripe's object is not needed). */
const stripeIntentEventSchema = z.object({
  id: z.string(),
  type: z.enum(STRIPE_PAYMENT_EVENT_TYPES),
  data: z.object({
    object: z.object({
      id: z.string(),
      metadata: z.optional(z.record(z.string(), z.string())),
      last_payment_error: z.nullish(
        z.object({ code: z.nullish(z.string()), decline_code: z.nullish(z.string()) }),
      ),
    }),
  }),
});

/** Words for the customer (the order's failure reason): codes only, never card data. */
function stripeFailureMessage(
  type: string,
  error: { code?: string | null; decline_code?: string | null } | null | undefined,
): string {
  if (type === "payment_intent.canceled") return "The payment was canceled.";
  const code = error?.decline_code || error?.code || "payment_failed";
  return code === "payment_intent_authentication_failure"
    ? "The card's authentication (3-D Secure) failed."
    : `The payment was not completed (${code}).`;
}

/** A verified Stripe event as a payment outcome; undefined for a type this system does not act on. */
export function paymentEventOfStripe(event: {
  readonly id: string;
  readonly type: string;
}): PaymentEvent | undefined {
  const parsed = stripeIntentEventSchema.safeParse(event);
  if (!parsed.success) return undefined;
  const { id, type, data } = parsed.data;
  const intent = data.object;
  const orderId = orderIdSchema.safeParse(intent.metadata?.orderId);
  return {
    id,
    provider: "stripe",
    type,
    orderId: orderId.success ? orderId.data : undefined,
    chargeId: intent.id,
    outcome:
      type === "payment_intent.succeeded"
        ? { status: "CHARGED" }
        : { status: "FAILED", failureMessage: stripeFailureMessage(type, intent.last_payment_error) },
  };
}

export const SIMULATED_FAILURE_MESSAGE = "The card's authentication (3-D Secure) failed.";

/** PaymentEvents' inputs that are not HTTP requests: the waiting step, and the simulated provider. */
export const paymentEventsInputSchema = z.discriminatedUnion("action", [
  /** The workflow's waiting step (`.waitForTaskToken`): keep the token with the pending payment. */
  z.object({
    action: z.literal("await"),
    orderId: orderIdSchema,
    chargeId: z.string().check(z.minLength(1)),
    taskToken: z.string().check(z.minLength(1)),
  }),
  /** The simulated gateway's event for a pending payment. */
  z.object({
    action: z.literal("simulated-event"),
    eventId: z.string().check(z.minLength(1)),
    orderId: orderIdSchema,
    outcome: z.enum(SIMULATED_OUTCOMES),
  }),
]);
export type PaymentEventsInput = z.infer<typeof paymentEventsInputSchema>;
