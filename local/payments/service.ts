/**
 * The simulated payment provider's outside world: POST /_local/payments/complete plays both the
 * customer's browser (3-D Secure done, or failed) and the provider's event that follows, for an order
 * whose simulated payment waits (tok_threeDSecureRequired, tok_processing). The event goes to
 * PaymentEvents as the deployed function takes it, applied once by its id. POST
 * /_local/payments/refund and /_local/payments/dispute play the provider's dashboard: a refund made
 * outside the order system, and a chargeback opened or closed. With Stripe, Stripe sends the events
 * itself (`stripe listen --forward-to …/webhooks/stripe`).
 */
import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import type { EventResult } from "../../lambdas/payments/provider-events";
import type { PaymentEventsInput } from "../../lambdas/payments/provider-events";
import { SIMULATED_OUTCOMES } from "../../lambdas/payments/providers";
import { orderIdSchema } from "../../lambdas/workflow/io";
import { minorUnitsOf } from "../../lambdas/platform/money";
import { localError, type LocalReply } from "../admin/routes";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_TOPICS } from "../runtime/resources";
import { guardNotifier } from "../sns/iam";
import { snsService } from "../sns/service";
import type { LocalService } from "../runtime/service";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import { SimulatedBooks } from "./books";

const completeRequestSchema = z.object({
  orderId: orderIdSchema,
  outcome: z.enum(SIMULATED_OUTCOMES),
});

const refundRequestSchema = z.strictObject({
  orderId: orderIdSchema,
  amount: z.union([z.string(), z.number()]),
  reason: z.optional(z.string().check(z.maxLength(200))),
});

const disputeRequestSchema = z.strictObject({
  orderId: orderIdSchema,
  status: z.enum(["needs_response", "under_review", "won", "lost"]),
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
});

/** Stripe gives a card dispute 7 to 21 days for evidence; the simulated one gives 7. */
const EVIDENCE_DAYS = 7;

/** What each result of the event means to the caller. */
const REPLIES: Readonly<Record<EventResult, (orderId: string) => LocalReply>> = {
  applied: () => ({ status: 202, body: { result: "applied" } }),
  "already-applied": () => ({ status: 202, body: { result: "already-applied" } }),
  "unknown-order": (id) => localError(404, "ORDER_NOT_FOUND", `No order ${id}.`),
  "unknown-payment": (id) =>
    localError(404, "ORDER_NOT_FOUND", `The provider knows no payment of order ${id}.`),
  "other-payment": (id) =>
    localError(409, "NO_SIMULATED_PAYMENT", `Order ${id} has no payment of the simulated gateway waiting.`),
  "no-change": (id) =>
    localError(
      409,
      "PAYMENT_NOT_WAITING",
      `Order ${id} already holds this: its payment was settled already, or the dispute is as the event says.`,
    ),
  "ignored-type": (id) => localError(409, "PAYMENT_NOT_WAITING", `Order ${id}'s payment is not waiting.`),
};

export interface PaymentProviderService extends LocalService {
  /** The simulated provider's books; undefined with Stripe (Stripe keeps its own). */
  readonly books: SimulatedBooks | undefined;
}

type Events = (input: PaymentEventsInput) => Promise<{ result: EventResult }>;

interface ProviderParts {
  readonly events: Events;
  readonly books: SimulatedBooks | undefined;
  readonly log: (line: string) => void;
}

/** The body as the schema reads it, or the 400 that names the shape expected. */
function parsedOr400<T>(schema: z.ZodMiniType<T>, body: string | null, shape: string): T | LocalReply {
  try {
    return schema.parse(JSON.parse(body ?? ""));
  } catch {
    return localError(400, "INVALID_BODY", `Send ${shape}.`);
  }
}

const isReply = (value: unknown): value is LocalReply =>
  typeof value === "object" && value !== null && "status" in value && "body" in value;

const newEventId = () => `evt_simulated_${randomUUID()}`;

/** POST /_local/payments/complete: the customer's 3-D Secure and the provider's event after it. */
function completeAction({ events, books, log }: ProviderParts) {
  return async (body: string | null): Promise<LocalReply> => {
    const parsed = parsedOr400(
      completeRequestSchema,
      body,
      `{"orderId": "<uuid>", "outcome": ${SIMULATED_OUTCOMES.map((o) => `"${o}"`).join(" | ")}}`,
    );
    if (isReply(parsed)) return parsed;
    const { orderId, outcome } = parsed;
    const eventId = newEventId();
    const { result } = await events({ action: "simulated-event", eventId, orderId, outcome });
    if (result === "applied") {
      books?.settled(orderId, outcome);
      log(`order ${orderId} payment ${outcome} (simulated provider event ${eventId})`);
    }
    const reply = REPLIES[result](orderId);
    return reply.status === 202
      ? { ...reply, body: { orderId, outcome, eventId, ...(reply.body as object) } }
      : reply;
  };
}

/** POST /_local/payments/refund: a refund made in the simulated provider's dashboard. */
function refundAction({ events, books, log }: ProviderParts) {
  return async (body: string | null): Promise<LocalReply> => {
    const parsed = parsedOr400(
      refundRequestSchema,
      body,
      '{"orderId": "<uuid>", "amount": "5.00", "reason"?: "…"}',
    );
    if (isReply(parsed)) return parsed;
    const amountMinor = minorUnitsOf(parsed.amount);
    if (amountMinor === undefined)
      return localError(400, "INVALID_AMOUNT", 'amount must be positive, like "5.00".');
    const eventId = newEventId();
    const refundId = `re_simulated_${randomUUID().slice(0, 18)}`;
    const { result } = await events({
      action: "simulated-refund",
      eventId,
      orderId: parsed.orderId,
      refundId,
      amountMinor,
      ...(parsed.reason ? { reason: parsed.reason } : {}),
    });
    if (result !== "applied") return REPLIES[result](parsed.orderId);
    books?.refundedOutside(parsed.orderId, refundId, amountMinor);
    log(`order ${parsed.orderId} refunded at the simulated provider (${refundId})`);
    return { status: 202, body: { orderId: parsed.orderId, refundId, eventId, result } };
  };
}

/** POST /_local/payments/dispute: the simulated provider's chargeback, opened or decided. */
function disputeAction({ events, log }: ProviderParts) {
  return async (body: string | null): Promise<LocalReply> => {
    const parsed = parsedOr400(
      disputeRequestSchema,
      body,
      '{"orderId": "<uuid>", "status": "needs_response" | "under_review" | "won" | "lost", "reason"?: "fraudulent"}',
    );
    if (isReply(parsed)) return parsed;
    const eventId = newEventId();
    // One dispute per order at the simulated provider: its id names the order.
    const disputeId = `dp_simulated_${parsed.orderId.slice(0, 8)}`;
    const due = new Date(Date.now() + EVIDENCE_DAYS * 24 * 3600 * 1000).toISOString();
    const { result } = await events({
      action: "simulated-dispute",
      eventId,
      orderId: parsed.orderId,
      disputeId,
      status: parsed.status,
      reason: parsed.reason ?? "fraudulent",
      ...(["won", "lost"].includes(parsed.status) ? {} : { evidenceDueBy: due }),
    });
    if (result !== "applied") return REPLIES[result](parsed.orderId);
    log(`order ${parsed.orderId} dispute ${parsed.status} at the simulated provider (${disputeId})`);
    return { status: 202, body: { orderId: parsed.orderId, disputeId, eventId, result } };
  };
}

export const paymentProviderService: ServiceModule<PaymentProviderService> = {
  name: "payments",
  start: (ctx) => {
    const { functions } = ctx.need(lambdaService);
    const books = ctx.settings.paymentProvider === "simulated" ? new SimulatedBooks() : undefined;
    if (books) {
      // The functions that move money do it through a simulated gateway that keeps these books.
      const simulated = books.gateway(
        new SimulatedPaymentGateway({ transientFailures: ctx.settings.gatewayTransientFailures }),
      );
      for (const id of ["ProcessPayment", "AfterSale"] as const) {
        functions.givePorts(id, { current: "simulated", gateways: { simulated } });
      }
    }
    // A dispute pages CriticalAlertsTopic: local SNS, under PaymentEvents' role (for the webhook too).
    const topic = LOCAL_TOPICS.CriticalAlertsTopic;
    const published = ctx.need(snsService).notifications.notifier(topic);
    functions.givePorts("PaymentEvents", {
      alerts: ctx.iam ? guardNotifier(ctx.iam, "PaymentEvents", topic, published) : published,
    });
    const parts: ProviderParts = {
      events: functions.handler<PaymentEventsInput, { result: EventResult }>("PaymentEvents"),
      books,
      log: ctx.log,
    };
    return {
      name: "payments",
      books,
      routes: {
        post: {
          "payments/complete": completeAction(parts),
          "payments/refund": refundAction(parts),
          "payments/dispute": disputeAction(parts),
        },
      },
      stop: async () => {},
    };
  },
};
