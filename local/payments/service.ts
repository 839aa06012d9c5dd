/**
 * The simulated payment provider's outside world: POST /_local/payments/complete plays both the
 * customer's browser (3-D Secure done, or failed) and the provider's event that follows, for an order
 * whose simulated payment waits (tok_threeDSecureRequired, tok_processing). The event goes to
 * PaymentEvents as the deployed function takes it, applied once by its id. With Stripe, Stripe sends
 * the events itself (`stripe listen --forward-to …/webhooks/stripe`).
 */
import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import type { EventResult } from "../../lambdas/payment-events/handler";
import type { PaymentEventsInput } from "../../lambdas/shared/payment-events";
import { SIMULATED_OUTCOMES } from "../../lambdas/shared/payment-providers";
import { orderIdSchema } from "../../lambdas/shared/workflow-io";
import { localError, type LocalReply } from "../admin/routes";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import type { LocalService } from "../runtime/service";

const completeRequestSchema = z.object({
  orderId: orderIdSchema,
  outcome: z.enum(SIMULATED_OUTCOMES),
});

/** What each result of the event means to the caller. */
const REPLIES: Readonly<Record<EventResult, (orderId: string) => LocalReply>> = {
  applied: () => ({ status: 202, body: { result: "applied" } }),
  "already-applied": () => ({ status: 202, body: { result: "already-applied" } }),
  "unknown-order": (id) => localError(404, "ORDER_NOT_FOUND", `No order ${id}.`),
  "other-payment": (id) =>
    localError(409, "NO_SIMULATED_PAYMENT", `Order ${id} has no payment of the simulated gateway waiting.`),
  "no-change": (id) =>
    localError(409, "PAYMENT_NOT_WAITING", `Order ${id}'s payment is not waiting: it was settled already.`),
  "ignored-type": (id) => localError(409, "PAYMENT_NOT_WAITING", `Order ${id}'s payment is not waiting.`),
};

export const paymentProviderService: ServiceModule<LocalService> = {
  name: "payments",
  start: (ctx) => {
    const events = ctx
      .need(lambdaService)
      .functions.handler<PaymentEventsInput, { result: EventResult }>("PaymentEvents");
    const complete = async (body: string | null): Promise<LocalReply> => {
      let parsed: z.infer<typeof completeRequestSchema>;
      try {
        parsed = completeRequestSchema.parse(JSON.parse(body ?? ""));
      } catch {
        return localError(
          400,
          "INVALID_BODY",
          `Send {"orderId": "<uuid>", "outcome": ${SIMULATED_OUTCOMES.map((o) => `"${o}"`).join(" | ")}}.`,
        );
      }
      const { orderId, outcome } = parsed;
      const eventId = `evt_simulated_${randomUUID()}`;
      const { result } = await events({ action: "simulated-event", eventId, orderId, outcome });
      if (result === "applied")
        ctx.log(`order ${orderId} payment ${outcome} (simulated provider event ${eventId})`);
      const reply = REPLIES[result](orderId);
      return reply.status === 202
        ? { ...reply, body: { orderId, outcome, eventId, ...(reply.body as object) } }
        : reply;
    };
    return {
      name: "payments",
      routes: { post: { "payments/complete": complete } },
      stop: async () => {},
    };
  },
};
