/**
 * OrderSuccessHandlerLambda: on EventBridge's "Step Functions Execution Status Change" (SUCCEEDED),
 * marks the order CONFIRMED and tells OrderAlertsTopic, once, even if the event is delivered twice.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, EventBridgeEvent } from "aws-lambda";
import * as z from "zod/mini";
import { SnsNotifier } from "../shared/adapters/sns-notifier";
import { dynamoDbOrderStore } from "../shared/adapters/dynamodb-stores";
import { formatMoney, toMajorUnits } from "../shared/money";
import type { OrderRecord } from "../shared/order";
import type { Notification, Notifier, OrderStore } from "../shared/ports";
import { createObservability, instrumented } from "../shared/observability";
import { workflowInputSchema } from "../shared/workflow-io";
import { functionConfig } from "../contracts";

export interface OrderSuccessDeps {
  readonly orders: OrderStore;
  readonly alerts: Notifier;
}

export const executionStatusChangeSchema = z.object({
  "detail-type": z.literal("Step Functions Execution Status Change"),
  source: z.literal("aws.states"),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.string(),
    input: z.nullish(z.string()),
  }),
});

type StatusChangeEvent = EventBridgeEvent<"Step Functions Execution Status Change", unknown>;

const observability = createObservability("order-success-handler");
const config = functionConfig("OrderSuccessHandler");
const { logger, metrics } = observability;

export function confirmationMessage(order: OrderRecord): Notification {
  const currency = order.currency ?? "USD";
  const lines = (order.lines ?? []).map(
    (l) =>
      `  - ${l.quantity} x ${l.name} (${l.productId}) @ ${formatMoney(l.unitPriceMinor, currency)} = ${formatMoney(l.lineTotalMinor, currency)}`,
  );
  return {
    subject: `Order ${order.orderId} confirmed`,
    message: [
      `Order ${order.orderId} is confirmed.`,
      "",
      "Items:",
      ...lines,
      "",
      `Total: ${formatMoney(order.totalMinor ?? 0, currency)}`,
      `Placed at: ${order.createdAt}`,
    ].join("\n"),
  };
}

export function createHandler(overrides: Partial<OrderSuccessDeps> = {}) {
  const deps: OrderSuccessDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    alerts:
      overrides.alerts ?? new SnsNotifier(new SNSClient({ maxAttempts: 3 }), config.orderAlertsTopicArn),
  };

  return (event: StatusChangeEvent, context?: Context): Promise<{ orderId: string; outcome: string }> =>
    instrumented(observability, context, async () => {
      const { detail } = executionStatusChangeSchema.parse(event);
      if (detail.status !== "SUCCEEDED") {
        logger.warn("Ignoring an execution that did not succeed", { status: detail.status });
        return { orderId: detail.name, outcome: "ignored" };
      }
      const { orderId } = workflowInputSchema.parse(
        detail.input ? JSON.parse(detail.input) : { orderId: detail.name },
      );
      logger.appendKeys({ orderId, executionArn: detail.executionArn });
      const result = await deps.orders.markConfirmed(orderId);
      if (!result) {
        logger.error("Workflow succeeded for an order that does not exist");
        return { orderId, outcome: "missing" };
      }
      const { order, changed } = result;
      if (!changed && order.status !== "CONFIRMED") {
        logger.error("Not confirming an order in a final state", { status: order.status });
        return { orderId, outcome: "not-confirmed" };
      }
      if (changed) {
        metrics.addMetric("OrdersConfirmed", MetricUnit.Count, 1);
        metrics.addMetric("OrderValue", MetricUnit.Count, toMajorUnits(order.totalMinor ?? 0));
      }
      if (order.confirmationNotifiedAt) {
        logger.info("Duplicate success event: confirmation already sent");
        return { orderId, outcome: "duplicate" };
      }
      await deps.alerts.publish(confirmationMessage(order));
      await deps.orders.markConfirmationNotified(orderId);
      logger.info("Order confirmed", { total: formatMoney(order.totalMinor ?? 0, order.currency ?? "USD") });
      return { orderId, outcome: "confirmed" };
    });
}

export const handler = createHandler();
