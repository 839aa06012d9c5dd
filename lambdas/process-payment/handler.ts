/**
 * ProcessPaymentLambda: charges an order through the PaymentGateway port, idempotent by orderId, and
 * refunds it for the saga's compensation step (`action: "refund"`).
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { SimulatedPaymentGateway } from "../shared/adapters/simulated-payment-gateway";
import { dynamoDbOrderStore } from "../shared/adapters/dynamodb-stores";
import { BusinessError } from "../shared/errors";
import { toMajorUnits } from "../shared/money";
import type { OrderStore, PaymentGateway } from "../shared/ports";
import { createObservability, instrumented } from "../shared/observability";
import { paymentRequestSchema } from "../shared/workflow-io";
import { CONFIG, functionConfig } from "../contracts";

export interface ProcessPaymentDeps {
  readonly orders: OrderStore;
  readonly gateway: PaymentGateway;
}

export type PaymentResult =
  | {
      readonly orderId: string;
      readonly status: "CHARGED";
      readonly chargeId: string;
      readonly amountMinor: number;
    }
  | { readonly orderId: string; readonly status: "REFUNDED"; readonly refundId: string }
  | { readonly orderId: string; readonly status: "NOTHING_TO_REFUND" };

const observability = createObservability("process-payment");
const config = functionConfig("ProcessPayment");
const { logger, metrics } = observability;

/** Only the simulated gateway ships; a real provider is another PaymentGateway adapter. */
export function gatewayFromEnvironment(env: NodeJS.ProcessEnv = process.env): PaymentGateway {
  const { paymentGateway: kind, simulatedGatewayTransientFailures } = functionConfig("ProcessPayment", env);
  if (kind !== "simulated") {
    throw new Error(
      `${CONFIG.paymentGateway.env}=${kind} is not supported; the only built-in gateway is "simulated".`,
    );
  }
  const failures = Number(simulatedGatewayTransientFailures);
  if (!Number.isInteger(failures) || failures < 0) {
    throw new Error(
      `${CONFIG.simulatedGatewayTransientFailures.env} must be a whole number of attempts (0 or more).`,
    );
  }
  return new SimulatedPaymentGateway({ transientFailures: failures });
}

export function createHandler(overrides: Partial<ProcessPaymentDeps> = {}) {
  const deps: ProcessPaymentDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    gateway: overrides.gateway ?? gatewayFromEnvironment(),
  };

  return (input: unknown, context?: Context): Promise<PaymentResult> =>
    instrumented(observability, context, async () => {
      const request = paymentRequestSchema.parse(input);
      const { orderId } = request;
      logger.appendKeys({ orderId, action: request.action });
      const order = await deps.orders.get(orderId);
      if (!order) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);

      if (request.action === "refund") {
        if (!order.payment) {
          logger.info("Nothing was charged; nothing to refund");
          return { orderId, status: "NOTHING_TO_REFUND" };
        }
        if (order.payment.status === "REFUNDED" && order.payment.refundId) {
          return { orderId, status: "REFUNDED", refundId: order.payment.refundId };
        }
        const { refundId } = await deps.gateway.refund({
          orderId,
          chargeId: order.payment.chargeId,
          amountMinor: order.payment.amountMinor,
        });
        await deps.orders.recordRefund(orderId, refundId);
        logger.info("Payment refunded", { refundId });
        metrics.addMetric("PaymentsRefunded", MetricUnit.Count, 1);
        return { orderId, status: "REFUNDED", refundId };
      }

      if (order.payment) {
        // A retried step after a successful charge: never charge twice.
        logger.info("Order already charged", { chargeId: order.payment.chargeId });
        return {
          orderId,
          status: "CHARGED",
          chargeId: order.payment.chargeId,
          amountMinor: order.payment.amountMinor,
        };
      }
      const attempt = await deps.orders.countPaymentAttempt(orderId);
      const { chargeId } = await deps.gateway.charge({
        orderId,
        amountMinor: request.amountMinor,
        currency: request.currency,
        paymentToken: order.paymentToken,
        attempt,
      });
      await deps.orders.recordCharge(orderId, chargeId, request.amountMinor);
      logger.info("Payment charged", { chargeId, amount: toMajorUnits(request.amountMinor), attempt });
      metrics.addMetric("PaymentsCharged", MetricUnit.Count, 1);
      return { orderId, status: "CHARGED", chargeId, amountMinor: request.amountMinor };
    });
}

export const handler = createHandler();
