/**
 * The provider's word on a payment, as the order system applies it: Stripe's PaymentIntent events
 * (verified from the webhook), or the simulated gateway's stand-in for them. The event id is what
 * makes each event apply once; the order id comes from the payment's metadata.
 */
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import { SIMULATED_OUTCOMES } from "./providers";
import { type PaymentProvider } from "../platform/payment-providers";
import type { PaymentOutcome, ProviderRefund } from "./ports";
import { orderIdSchema } from "../workflow/io";

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

/** Refunds were made on a payment (Stripe: `charge.refunded`); which ones is read from the provider. */
export interface RefundsEvent {
  readonly id: string;
  readonly provider: PaymentProvider;
  readonly type: string;
  readonly orderId: string | undefined;
  readonly chargeId: string;
  /** The refunds, when the event carries them (the simulated provider's); else read from the provider. */
  readonly refunds?: readonly ProviderRefund[];
}

/** A dispute on a payment opened, changed or closed (Stripe: `charge.dispute.*`). */
export interface DisputeEvent {
  readonly id: string;
  readonly provider: PaymentProvider;
  readonly type: string;
  readonly orderId: string | undefined;
  readonly chargeId: string;
  readonly dispute: {
    readonly disputeId: string;
    readonly status: string;
    readonly reason: string;
    readonly amountMinor: number;
    readonly evidenceDueBy?: string;
  };
}

/** Every provider event the order system acts on. */
export type ProviderEvent = PaymentEvent | RefundsEvent | DisputeEvent;

export const STRIPE_CHARGE_EVENT_TYPES = [
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
] as const;

const stripeChargeRefundedSchema = z.object({
  id: z.string(),
  type: z.literal("charge.refunded"),
  data: z.object({
    object: z.object({
      id: z.string(),
      payment_intent: z.nullish(z.string()),
      metadata: z.optional(z.record(z.string(), z.string())),
    }),
  }),
});

const stripeDisputeSchema = z.object({
  id: z.string(),
  type: z.enum(["charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"]),
  data: z.object({
    object: z.object({
      id: z.string(),
      charge: z.string(),
      payment_intent: z.nullish(z.string()),
      amount: z.number(),
      reason: z.string(),
      status: z.string(),
      evidence_details: z.nullish(z.object({ due_by: z.nullish(z.number()) })),
    }),
  }),
});

/** `charge.refunded` and `charge.dispute.*`, named by their PaymentIntent (the order's payment). */
function chargeEventOfStripe(event: {
  readonly id: string;
  readonly type: string;
}): ProviderEvent | undefined {
  const refunded = stripeChargeRefundedSchema.safeParse(event);
  if (refunded.success) {
    const charge = refunded.data.data.object;
    const orderId = orderIdSchema.safeParse(charge.metadata?.orderId);
    return {
      id: refunded.data.id,
      provider: "stripe",
      type: refunded.data.type,
      orderId: orderId.success ? orderId.data : undefined,
      chargeId: charge.payment_intent ?? charge.id,
    };
  }
  const disputed = stripeDisputeSchema.safeParse(event);
  if (!disputed.success) return undefined;
  const dispute = disputed.data.data.object;
  const due = dispute.evidence_details?.due_by;
  return {
    id: disputed.data.id,
    provider: "stripe",
    type: disputed.data.type,
    orderId: undefined,
    chargeId: dispute.payment_intent ?? dispute.charge,
    dispute: {
      disputeId: dispute.id,
      status: dispute.status,
      reason: dispute.reason,
      amountMinor: dispute.amount,
      ...(due ? { evidenceDueBy: new Date(due * 1000).toISOString() } : {}),
    },
  };
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

/** A verified Stripe event as the order system applies it; undefined for a type it does not act on. */
export function paymentEventOfStripe(event: {
  readonly id: string;
  readonly type: string;
}): ProviderEvent | undefined {
  const parsed = stripeIntentEventSchema.safeParse(event);
  if (!parsed.success) return chargeEventOfStripe(event);
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
  /** The simulated provider's refund made outside the order system (its "dashboard"). */
  z.object({
    action: z.literal("simulated-refund"),
    eventId: z.string().check(z.minLength(1)),
    orderId: orderIdSchema,
    refundId: z.string().check(z.minLength(1)),
    amountMinor: z.int().check(z.positive()),
    reason: z.optional(z.string()),
  }),
  /** The simulated provider's dispute opened, changed or closed. */
  z.object({
    action: z.literal("simulated-dispute"),
    eventId: z.string().check(z.minLength(1)),
    orderId: orderIdSchema,
    disputeId: z.string().check(z.minLength(1)),
    status: z.string().check(z.minLength(1)),
    reason: z.string().check(z.minLength(1)),
    /** Absent: the whole payment is disputed. */
    amountMinor: z.optional(z.int().check(z.positive())),
    evidenceDueBy: z.optional(z.string()),
  }),
]);
export type PaymentEventsInput = z.infer<typeof paymentEventsInputSchema>;

/** What became of one event. */
export type EventResult =
  | "applied"
  | "already-applied"
  | "unknown-order"
  | "unknown-payment"
  | "other-payment"
  | "no-change"
  | "ignored-type";

/** Runs `apply` at most once in effect per event id. */
export type ApplyOnce = (
  apply: (event: ProviderEvent) => Promise<{ result: EventResult }>,
  context?: Context,
) => (event: ProviderEvent) => Promise<{ result: EventResult }>;
