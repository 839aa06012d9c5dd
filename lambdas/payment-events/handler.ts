/**
 * PaymentEventsLambda: the provider's word on pending payments reaches the order.
 * - `POST /webhooks/stripe` (API Gateway, public by decision): the raw body's `Stripe-Signature` is
 *   verified with the Stripe SDK against the endpoint secret (5 minutes' tolerance); a missing, forged
 *   or stale signature answers 400 and changes nothing. A verified PaymentIntent event is applied
 *   once per event id (Powertools Idempotency), then answered 2xx.
 * - The workflow's waiting step (`.waitForTaskToken`): keeps the task token with the pending payment.
 * - The simulated gateway's event (the local runtime's POST /_local/payments/complete).
 * Applying an outcome is a conditional write on the order; whichever of the event and the waiting
 * step comes second resumes the step (SendTaskSuccess / SendTaskFailure), so order does not matter.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { dynamoDbPaymentRecords } from "../payments/adapters/dynamodb-payment-records";
import { StepFunctionsCallbacks } from "../workflow/adapters/sfn-workflow-callbacks";
import { LazySnsNotifier } from "../alerts/adapters/lazy-sns-notifier";
import { StripePaymentGateway } from "../payments/adapters/stripe-payment-gateway";
import { TransientError } from "../platform/errors";
import { errorResponse, header, jsonResponse } from "../platform/http";
import { isPendingPayment, type OrderRecord } from "../orders/order";
import {
  paymentEventOfStripe,
  paymentEventsInputSchema,
  SIMULATED_FAILURE_MESSAGE,
  type PaymentEvent,
  type PaymentEventsInput,
  type ProviderEvent,
  type ApplyOnce,
  type EventResult,
} from "../payments/provider-events";
import { applyDispute, applyRefunds, type AfterChargeDeps } from "../payments/after-charge";
import { stripeSecretKey, stripeSecretValue } from "../payments/gateways";
import { isPaymentProvider, type PaymentProvider } from "../platform/payment-providers";
import type { OrderStore } from "../orders/ports";
import type { PaymentLookup, PaymentRecords } from "../payments/ports";
import type { WorkflowCallbacks } from "../workflow/ports";
import { createObservability, instrumented } from "../platform/observability";
import { CONFIG, functionConfig, PAYMENT_EVENTS_CONFIG } from "../platform/config";

/** Stripe's own default: a signature older than this is refused (replayed or delayed). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface PaymentEventsDeps extends AfterChargeDeps {
  readonly payments: PaymentRecords;
  readonly orders: Pick<OrderStore, "get">;
  readonly callbacks: WorkflowCallbacks;
  /** The deployment's payment_provider: the webhook takes Stripe's events only with `stripe`. */
  readonly provider: PaymentProvider;
  /** The endpoint's signing secret (whsec_…); undefined when nobody has put it in yet. */
  readonly webhookSecret: () => Promise<string | undefined>;
  readonly applyOnce: ApplyOnce;
}

const observability = createObservability("payment-events");
const config = functionConfig("PaymentEvents", PAYMENT_EVENTS_CONFIG);
const { logger, metrics } = observability;

/** The order's waiting step learns the outcome: its charge, or a business failure with the reason. */
async function resume(deps: PaymentEventsDeps, order: OrderRecord, taskToken: string): Promise<void> {
  const payment = order.payment!;
  const delivered =
    payment.status === "CHARGED"
      ? await deps.callbacks.succeed(taskToken, {
          orderId: order.orderId,
          status: "CHARGED",
          chargeId: payment.chargeId,
          amountMinor: payment.amountMinor,
        })
      : await deps.callbacks.fail(
          taskToken,
          "PaymentFailed",
          JSON.stringify({
            errorType: "PaymentFailed",
            errorMessage: payment.failureMessage ?? "The payment was not completed.",
          }),
        );
  logger.info("Waiting payment step resumed", { paymentStatus: payment.status, delivered });
}

/** Applies one provider event: a pending payment's outcome, refunds made at the provider, a dispute. */
function applyEvent(deps: PaymentEventsDeps, event: ProviderEvent): Promise<{ result: EventResult }> {
  logger.appendKeys({ eventId: event.id, eventType: event.type, orderId: event.orderId });
  if ("outcome" in event) return apply(deps, event);
  return "dispute" in event
    ? applyDispute(deps, observability, event)
    : applyRefunds(deps, observability, event);
}

/** Applies one outcome to its order; resumes the waiting step when the order's payment now says so. */
async function apply(deps: PaymentEventsDeps, event: PaymentEvent): Promise<{ result: EventResult }> {
  if (!event.orderId) {
    logger.warn("Payment event for a payment without an order id: acknowledged, nothing changed");
    return { result: "unknown-order" };
  }
  const recorded = await deps.payments.recordOutcome(event.orderId, event.chargeId, event.outcome);
  if (!recorded) {
    logger.warn("Payment event for an unknown order: acknowledged, nothing changed");
    return { result: "unknown-order" };
  }
  const { order, changed } = recorded;
  const payment = order.payment;
  if (payment?.chargeId !== event.chargeId || payment.provider !== event.provider) {
    logger.warn("Payment event for another payment than the order's: acknowledged, nothing changed");
    return { result: "other-payment" };
  }
  if (!changed && payment.status !== event.outcome.status) {
    // Late or out of order (a failure after the money settled, an event after the wait ended).
    logger.info("Payment event for a payment already settled otherwise: nothing changed", {
      paymentStatus: payment.status,
    });
    return { result: "no-change" };
  }
  if (order.paymentTaskToken) await resume(deps, order, order.paymentTaskToken);
  if (changed) metrics.addMetric(`PaymentEvents${event.outcome.status}`, MetricUnit.Count, 1);
  return { result: changed ? "applied" : "already-applied" };
}

/** The waiting step: keep its token, or resume it at once when the outcome arrived first. */
async function awaitOutcome(
  deps: PaymentEventsDeps,
  input: Extract<PaymentEventsInput, { action: "await" }>,
): Promise<{ waiting: boolean }> {
  const { orderId, chargeId, taskToken } = input;
  const kept = await deps.payments.keepTaskToken(orderId, chargeId, taskToken);
  if (kept.kept) {
    logger.info("Payment waits for the provider's event");
    return { waiting: true };
  }
  const { order } = kept;
  const payment = order?.payment;
  if (
    !order ||
    payment?.chargeId !== chargeId ||
    !["CHARGED", "FAILED", "CANCELED"].includes(payment.status)
  ) {
    // Not a business outcome: the order and its workflow disagree, a person looks (unexpected path).
    await deps.callbacks.fail(
      taskToken,
      "PaymentStateMismatch",
      JSON.stringify({
        errorType: "PaymentStateMismatch",
        errorMessage: `Order ${orderId} does not hold the payment ${chargeId} its workflow waits for.`,
      }),
    );
    return { waiting: false };
  }
  await resume(deps, order, taskToken);
  return { waiting: false };
}

/** The simulated provider's event for a pending simulated payment. */
async function simulatedEvent(
  deps: PaymentEventsDeps,
  input: Extract<PaymentEventsInput, { action: "simulated-event" }>,
  context?: Context,
): Promise<{ result: EventResult }> {
  const order = await deps.orders.get(input.orderId);
  if (!order?.payment || order.payment.provider !== "simulated") {
    logger.warn("Simulated payment event for an order without a simulated payment", {
      orderId: input.orderId,
    });
    return { result: order ? "other-payment" : "unknown-order" };
  }
  // The simulated provider settles only what waits: a settled payment has no customer to complete it.
  if (!isPendingPayment(order.payment.status)) return { result: "no-change" };
  const event: PaymentEvent = {
    id: input.eventId,
    provider: "simulated",
    type: `simulated.${input.outcome}`,
    orderId: input.orderId,
    chargeId: order.payment.chargeId,
    outcome:
      input.outcome === "succeeded"
        ? { status: "CHARGED" }
        : { status: "FAILED", failureMessage: SIMULATED_FAILURE_MESSAGE },
  };
  return deps.applyOnce((e) => applyEvent(deps, e), context)(event);
}

/** The simulated provider's refund or dispute (locally: POST /_local/payments/refund and /dispute). */
function simulatedAfterCharge(
  deps: PaymentEventsDeps,
  input: Extract<PaymentEventsInput, { action: "simulated-refund" | "simulated-dispute" }>,
  context?: Context,
): Promise<{ result: EventResult }> {
  const base = { id: input.eventId, provider: "simulated" as const, orderId: input.orderId };
  return deps.orders.get(input.orderId).then((order) => {
    const chargeId = order?.payment?.chargeId;
    if (!chargeId || order.payment?.provider !== "simulated") {
      return { result: order ? ("other-payment" as const) : ("unknown-order" as const) };
    }
    const event: ProviderEvent =
      input.action === "simulated-refund"
        ? {
            ...base,
            type: "simulated.refund",
            chargeId,
            refunds: [
              {
                refundId: input.refundId,
                amountMinor: input.amountMinor,
                status: "succeeded",
                ...(input.reason ? { reason: input.reason } : {}),
                createdAt: new Date().toISOString(),
                madeByOrderSystem: false,
              },
            ],
          }
        : {
            ...base,
            type: `simulated.dispute.${input.status}`,
            chargeId,
            dispute: {
              disputeId: input.disputeId,
              status: input.status,
              reason: input.reason,
              amountMinor: input.amountMinor ?? order.payment.amountMinor,
              ...(input.evidenceDueBy ? { evidenceDueBy: input.evidenceDueBy } : {}),
            },
          };
    return deps.applyOnce((e) => applyEvent(deps, e), context)(event);
  });
}

/** The signed event, or the reason it was refused (the SDK's words: no signature matched, too old…). */
async function verifiedStripeEvent(
  raw: string,
  signature: string,
  secret: string,
): Promise<{ id: string; type: string } | { refused: string }> {
  const { default: Stripe } = await import("stripe");
  try {
    return Stripe.webhooks.constructEvent(raw, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

function refuse(reason: string): APIGatewayProxyResult {
  metrics.addMetric("WebhookSignaturesRejected", MetricUnit.Count, 1);
  logger.warn("Webhook refused: its signature does not verify", { reason });
  return errorResponse("INVALID_SIGNATURE", `The Stripe-Signature header does not verify: ${reason}`);
}

/** POST /webhooks/stripe. */
async function webhook(
  deps: PaymentEventsDeps,
  request: APIGatewayProxyEvent,
  context?: Context,
): Promise<APIGatewayProxyResult> {
  if (deps.provider !== "stripe") {
    return errorResponse(
      "ROUTE_NOT_FOUND",
      "This deployment does not charge through Stripe; it takes no Stripe events.",
    );
  }
  const secret = await deps.webhookSecret();
  if (!secret) {
    // 503: Stripe retries for three days, so nothing is lost while the secret is put in.
    logger.error("The Stripe webhook secret is not set: events are refused until it is (README: Payments)");
    return errorResponse("WEBHOOK_NOT_CONFIGURED", "The webhook's signing secret is not configured.");
  }
  const signature = header(request.headers, "Stripe-Signature");
  if (!signature) return refuse("the header is missing");
  const raw = request.isBase64Encoded
    ? Buffer.from(request.body ?? "", "base64").toString("utf8")
    : (request.body ?? "");
  const verified = await verifiedStripeEvent(raw, signature, secret);
  if ("refused" in verified) return refuse(verified.refused);
  const event = paymentEventOfStripe(verified);
  if (!event) {
    logger.info("Verified event of a type this system does not act on", { eventType: verified.type });
    return jsonResponse(200, { received: true, result: "ignored-type" });
  }
  const { result } = await deps.applyOnce((e) => applyEvent(deps, e), context)(event);
  return jsonResponse(200, { received: true, result });
}

function isHttpRequest(input: unknown): input is APIGatewayProxyEvent {
  return typeof input === "object" && input !== null && "httpMethod" in input;
}

/** Stripe, read back for its charge events (which name a payment, not its order or refunds). */
function stripeLookup(provider: PaymentProvider): PaymentLookup | undefined {
  if (provider !== "stripe") return undefined;
  return new StripePaymentGateway({
    secretKey: () => stripeSecretKey(config.stripeSecretArn),
    apiBase: config.stripeApiBase,
  });
}

/**
 * Powertools Idempotency (./apply-once), loaded with the first event: the workflow's waiting step
 * never loads it.
 */
function applyOnceLoadedAtFirstEvent(tableName: string): ApplyOnce {
  let loaded: Promise<ApplyOnce> | undefined;
  return (applyFn, context) => async (event) => {
    // A failed load is not remembered: the next event tries again.
    loaded ??= import("./apply-once").then(
      ({ powertoolsApplyOnce }) => powertoolsApplyOnce(tableName),
      (error: unknown) => {
        loaded = undefined;
        throw error;
      },
    );
    return (await loaded)(applyFn, context)(event);
  };
}

export function createHandler(overrides: Partial<PaymentEventsDeps> = {}) {
  const provider = overrides.provider ?? config.paymentGateway;
  if (!isPaymentProvider(provider)) {
    throw new Error(`${CONFIG.paymentGateway.env}=${provider} is not a payment provider.`);
  }
  const deps: PaymentEventsDeps = {
    payments: overrides.payments ?? dynamoDbPaymentRecords(config),
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    callbacks: overrides.callbacks ?? new StepFunctionsCallbacks(),
    provider,
    webhookSecret: overrides.webhookSecret ?? (() => stripeSecretValue(config.stripeWebhookSecretArn)),
    applyOnce: overrides.applyOnce ?? applyOnceLoadedAtFirstEvent(config.orderKeysTableName),
    alerts: overrides.alerts ?? new LazySnsNotifier(config.criticalAlertsTopicArn),
    lookup: "lookup" in overrides ? overrides.lookup : stripeLookup(provider),
  };

  return (input: unknown, context?: Context): Promise<unknown> =>
    instrumented(observability, context, async () => {
      if (isHttpRequest(input)) {
        try {
          return await webhook(deps, input, context);
        } catch (error) {
          if (error instanceof TransientError) {
            // Stripe itself could not be reached to read the payment back: not our fault, not the
            // event's; Stripe retries a 5xx for three days, and the event applies once when it does.
            return errorResponse(
              "PAYMENT_PROVIDER_UNAVAILABLE",
              "The payment provider could not be reached to read the payment back. Stripe will retry the event.",
            );
          }
          // Anything else is ours: Stripe retries a 5xx, and the event applies once when it does.
          logger.error("Webhook failed", { error: (error as Error).name, message: (error as Error).message });
          return errorResponse("INTERNAL_ERROR", "The event could not be applied. Stripe will retry it.");
        }
      }
      const request = paymentEventsInputSchema.parse(input);
      logger.appendKeys({ orderId: request.orderId, action: request.action });
      switch (request.action) {
        case "await":
          return awaitOutcome(deps, request);
        case "simulated-event":
          return simulatedEvent(deps, request, context);
        default:
          return simulatedAfterCharge(deps, request, context);
      }
    });
}

export const handler = createHandler();
