/**
 * ProcessPaymentLambda: charges an order through the PaymentGateway port, idempotent by orderId;
 * records a payment the provider has not settled (3-D Secure, processing) for the workflow to wait
 * on; cancels one whose wait ended without its money (`action: "cancel"`); refunds for the saga's
 * compensation step (`action: "refund"`).
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { dynamoDbPaymentRecords } from "../payments/adapters/dynamodb-payment-records";
import { BusinessError } from "../platform/errors";
import type { PaymentProvider } from "../platform/payment-providers";
import {
  gatewayOf,
  gatewaysFrom,
  SECRET_KEY_MAX_AGE_SECONDS,
  stripeSecretKey,
  type Gateways,
} from "../payments/gateways";
import { toMajorUnits } from "../platform/money";
import {
  isPendingPayment,
  ORDER_CANCELLED_MESSAGE,
  type OrderRecord,
  type OrderStatus,
} from "../orders/order";
import {
  cancelPayment,
  PAYMENT_NOT_COMPLETED,
  refundWhole,
  type SettlementResult,
} from "../payments/settlement";
import type { ChargeOutcome, PaymentGateway, PaymentRecords } from "../payments/ports";
import type { OrderStore } from "../orders/ports";
import { createObservability, instrumented } from "../platform/observability";
import { paymentRequestSchema, type PaymentRequest } from "../workflow/io";

type ChargeRequest = Extract<PaymentRequest, { action: "charge" }>;
import { functionConfig, PROCESS_PAYMENT_CONFIG } from "../platform/config";

export interface ProcessPaymentDeps {
  readonly orders: OrderStore;
  readonly payments: PaymentRecords;
  /** Charges go to the gateway of `current`; a refund to the one that charged the order. */
  readonly current: PaymentProvider;
  readonly gateways: Gateways;
}

export type PaymentResult =
  | {
      readonly orderId: string;
      readonly status: "CHARGED";
      readonly chargeId: string;
      readonly amountMinor: number;
    }
  | {
      /** Not settled: the workflow waits for the provider's event (PaymentEvents resumes it). */
      readonly orderId: string;
      readonly status: "REQUIRES_ACTION" | "PROCESSING";
      readonly chargeId: string;
      readonly amountMinor: number;
    }
  | SettlementResult;

/** The refusals a card gets (counted for the decline-rate alarm): business outcomes, never paged alone. */
const DECLINES: ReadonlySet<string> = new Set([
  "PaymentDeclined",
  "InsufficientFunds",
  "PaymentRequiresAction",
]);

export { PAYMENT_NOT_COMPLETED };

const observability = createObservability("process-payment");
const config = functionConfig("ProcessPayment", PROCESS_PAYMENT_CONFIG);
const { logger, metrics } = observability;

export { SECRET_KEY_MAX_AGE_SECONDS, stripeSecretKey };
export type { Gateways };

/** The gateways of this function's configuration (payments/gateways.ts). */
export function gatewaysFromEnvironment(env: NodeJS.ProcessEnv = process.env) {
  return gatewaysFrom(functionConfig("ProcessPayment", PROCESS_PAYMENT_CONFIG, env));
}

/** Overrides: `gateway` alone makes it the only one (and the current one); or `current` + `gateways`. */
export type ProcessPaymentOverrides = Partial<ProcessPaymentDeps> & { readonly gateway?: PaymentGateway };

/** What a retried step answers for a payment the order already holds. */
function recordedPayment(order: OrderRecord): PaymentResult {
  const { orderId, payment } = order;
  if (!payment) throw new Error(`Order ${orderId} holds no payment.`);
  if (payment.status === "CHARGED" || isPendingPayment(payment.status)) {
    logger.info("Order already charged", { chargeId: payment.chargeId, paymentStatus: payment.status });
    return { orderId, status: payment.status, chargeId: payment.chargeId, amountMinor: payment.amountMinor };
  }
  if (payment.status === "FAILED") {
    throw new BusinessError("PaymentFailed", payment.failureMessage ?? "The payment failed.");
  }
  throw new BusinessError(
    "PaymentAlreadySettled",
    `Order ${orderId}'s payment was already ${payment.status}.`,
  );
}

/**
 * The order was cancelled while the provider took its payment: the cancellation may have looked
 * before the payment was recorded, so this run gives the money back too (keyed by the order, so it
 * is given back once) and the workflow ends without reserving stock.
 */
async function giveBackIfCancelled(
  deps: ProcessPaymentDeps,
  orderId: string,
  status: OrderStatus,
): Promise<void> {
  if (status !== "CANCELLED") return;
  const order = await deps.orders.get(orderId);
  if (order) await cancelPayment(deps, observability, order, ORDER_CANCELLED_MESSAGE);
  logger.info("Order was cancelled while it was charged: payment given back");
  throw new BusinessError("OrderCancelled", `Order ${orderId} was cancelled.`);
}

/**
 * Calls the gateway; a refusal is counted with the payments attempted (the decline-rate alarm) and
 * rethrown. A retried attempt (a transient failure) is the same payment: counted once.
 */
async function chargeThrough(gateway: PaymentGateway, request: Parameters<PaymentGateway["charge"]>[0]) {
  if (request.attempt === 1) metrics.addMetric("PaymentsAttempted", MetricUnit.Count, 1);
  try {
    return await gateway.charge(request);
  } catch (error) {
    if (error instanceof BusinessError && DECLINES.has(error.name)) {
      metrics.addMetric("PaymentsDeclined", MetricUnit.Count, 1);
    }
    throw error;
  }
}

/**
 * Opens the payment (the order becomes PROCESSING with its priced lines, one more attempt counted)
 * and charges through the current provider, unless the order holds its payment already (a retried
 * step, or a second run of its workflow). A payment another run refunded is never charged again.
 * A payment the provider has not settled is recorded pending: the workflow waits for its outcome.
 */
async function charge(deps: ProcessPaymentDeps, request: ChargeRequest): Promise<PaymentResult> {
  const { orderId, amountMinor, currency, lines } = request;
  const { order, attempt } = await deps.orders.startPayment(orderId, {
    lines,
    totalMinor: amountMinor,
    currency,
  });
  if (order.payment) return recordedPayment(order);
  const gateway = gatewayOf(deps, deps.current);
  const outcome: ChargeOutcome = await chargeThrough(gateway, {
    orderId,
    amountMinor,
    currency,
    paymentToken: order.paymentToken,
    attempt,
  });
  const { chargeId } = outcome;
  const provider = gateway.provider;
  if (outcome.status !== "succeeded") {
    const status = outcome.status === "requires_action" ? "REQUIRES_ACTION" : "PROCESSING";
    const statusNow = await deps.payments.recordPending(orderId, {
      status,
      chargeId,
      amountMinor,
      provider,
      pendingSince: new Date().toISOString(),
      ...(outcome.status === "requires_action" ? { clientSecret: outcome.clientSecret } : {}),
    });
    // The client secret is the customer's: it is recorded for the owner's GET, never logged.
    logger.info("Payment waits for its outcome", { chargeId, paymentStatus: status, attempt, provider });
    metrics.addMetric("PaymentActionsStarted", MetricUnit.Count, 1);
    await giveBackIfCancelled(deps, orderId, statusNow);
    return { orderId, status, chargeId, amountMinor };
  }
  await giveBackIfCancelled(
    deps,
    orderId,
    await deps.orders.recordCharge(orderId, { chargeId, amountMinor, provider }),
  );
  logger.info("Payment charged", { chargeId, amount: toMajorUnits(amountMinor), attempt, provider });
  metrics.addMetric("PaymentsCharged", MetricUnit.Count, 1);
  return { orderId, status: "CHARGED", chargeId, amountMinor };
}

export function createHandler(overrides: ProcessPaymentOverrides = {}) {
  const { gateway: only } = overrides;
  const configured = only
    ? { current: only.provider, gateways: { [only.provider]: only } }
    : overrides.gateways
      ? { current: overrides.current ?? "simulated", gateways: overrides.gateways }
      : gatewaysFromEnvironment();
  const deps: ProcessPaymentDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    payments: overrides.payments ?? dynamoDbPaymentRecords(config),
    ...configured,
  };

  return (input: unknown, context?: Context): Promise<PaymentResult> =>
    instrumented(observability, context, async () => {
      const request = paymentRequestSchema.parse(input);
      const { orderId } = request;
      logger.appendKeys({ orderId, action: request.action });
      if (request.action === "charge") return charge(deps, request);
      const order = await deps.orders.get(orderId);
      if (!order) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);
      if (request.action === "refund") return refundWhole(deps, observability, order);
      if (request.reason === "PaymentActionTimedOut") {
        metrics.addMetric("PaymentActionsTimedOut", MetricUnit.Count, 1);
      }
      return cancelPayment(deps, observability, order, PAYMENT_NOT_COMPLETED);
    });
}

export const handler = createHandler();
