/**
 * OrderSuccessHandlerLambda: on the event that ends an order's workflow: Step Functions' "Execution
 * Status Change" (STANDARD) or the workflow's own "Order Confirmed"/"Order Failed" (EXPRESS). SUCCEEDED:
 * marks the order CONFIRMED, tells OrderAlertsTopic and e-mails the customer a confirmation. FAILED
 * (the workflow recorded and announced it): e-mails the customer why. Each at most once in effect,
 * however often the event is delivered.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, EventBridgeEvent } from "aws-lambda";
import * as z from "zod/mini";
import { SnsNotifier } from "../alerts/adapters/sns-notifier";
import { dynamoDbConfirmationStore } from "../orders/adapters/dynamodb-confirmation-store";
import { dynamoDbSuppressionList } from "../email/adapters/dynamodb-suppression-list";
import {
  claimEmail,
  emailCustomer,
  mailerFrom,
  newClaim,
  sendClaimed,
  type EmailOutcome,
} from "../email/customer-mail";
import {
  EXECUTION_STATUS_CHANGE,
  ORDER_WORKFLOW_EVENT_SOURCE,
  ORDER_WORKFLOW_EVENTS,
} from "../workflow/events";
import { formatMoney, toMajorUnits } from "../platform/money";
import type { OrderRecord } from "../orders/order";
import type { ConfirmationStore } from "../orders/ports";
import type { CustomerMailer, SuppressionList } from "../email/ports";
import type { Notification, Notifier } from "../alerts/ports";
import { createObservability, instrumented } from "../platform/observability";
import { workflowInputSchema } from "../workflow/io";
import { functionConfig, ORDER_SUCCESS_HANDLER_CONFIG } from "../platform/config";

export interface OrderSuccessDeps {
  readonly orders: ConfirmationStore;
  readonly alerts: Notifier;
  readonly suppressions: SuppressionList;
  /** Undefined with customer_emails = off. */
  readonly mailer: CustomerMailer | undefined;
}

export const executionStatusChangeSchema = z.object({
  "detail-type": z.literal(EXECUTION_STATUS_CHANGE),
  source: z.literal("aws.states"),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.string(),
    input: z.nullish(z.string()),
  }),
});

/** The EXPRESS workflow's own event (events.ts documents it). */
export const orderWorkflowEventSchema = z.object({
  "detail-type": z.enum([
    ORDER_WORKFLOW_EVENTS.confirmed.detailType,
    ORDER_WORKFLOW_EVENTS.failed.detailType,
  ]),
  source: z.literal(ORDER_WORKFLOW_EVENT_SOURCE),
  detail: z.object({
    orderId: z.string(),
    status: z.enum(["SUCCEEDED", "FAILED"]),
    executionArn: z.string(),
  }),
});

const workflowEndSchema = z.union([executionStatusChangeSchema, orderWorkflowEventSchema]);

type StatusChangeEvent = EventBridgeEvent<string, unknown>;

/** Either shape, as the order id, how its workflow ended and which execution ended it. */
function workflowEnd(event: StatusChangeEvent): { orderId: string; status: string; executionArn: string } {
  const parsed = workflowEndSchema.parse(event);
  if (parsed.source === ORDER_WORKFLOW_EVENT_SOURCE) {
    const { orderId } = workflowInputSchema.parse({ orderId: parsed.detail.orderId });
    return { orderId, status: parsed.detail.status, executionArn: parsed.detail.executionArn };
  }
  const { detail } = parsed;
  const { orderId } = workflowInputSchema.parse(
    detail.input ? JSON.parse(detail.input) : { orderId: detail.name },
  );
  return { orderId, status: detail.status, executionArn: detail.executionArn };
}

const observability = createObservability("order-success-handler");
const config = functionConfig("OrderSuccessHandler", ORDER_SUCCESS_HANDLER_CONFIG);
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

/** What became of the order (confirmed, duplicate, failed, …) and of its customer e-mail. */
export interface StatusChangeResult {
  readonly orderId: string;
  readonly outcome: string;
  readonly email?: EmailOutcome;
}

/**
 * SUCCEEDED: confirm the order, tell OrderAlertsTopic once, e-mail the customer once. The first
 * delivery confirms and claims the e-mail in one write, and records the e-mail and the notice in
 * another. Whoever holds the e-mail's claim does both, so two deliveries at once (an event delivered
 * twice, or two runs of an Express workflow) never announce twice; a redelivery after a failure
 * takes the claim over and finishes what is left.
 */
async function confirm(deps: OrderSuccessDeps, orderId: string): Promise<StatusChangeResult> {
  const { claimedAt } = newClaim();
  const result = await deps.orders.markConfirmed(orderId, { claimEmailAt: claimedAt });
  if (!result) {
    logger.error("Workflow succeeded for an order that does not exist");
    return { orderId, outcome: "missing" };
  }
  const { order, changed } = result;
  if (!changed && ["CANCELLED", "SHIPPED", "RETURNED"].includes(order.status)) {
    // Cancelled while its workflow ran (the cancellation gave back what it took), or a late
    // redelivery for an order that moved on: nothing to confirm.
    logger.info("Order moved on after its workflow: not confirmed again", { status: order.status });
    return { orderId, outcome: order.status === "CANCELLED" ? "cancelled" : "duplicate" };
  }
  if (!changed && order.status !== "CONFIRMED") {
    logger.error("Not confirming an order in a final state", { status: order.status });
    return { orderId, outcome: "not-confirmed" };
  }
  if (changed) {
    metrics.addMetric("OrdersConfirmed", MetricUnit.Count, 1);
    metrics.addMetric("OrderValue", MetricUnit.Count, toMajorUnits(order.totalMinor ?? 0));
  }
  const claim = changed ? claimedAt : await claimEmail(deps, observability, orderId, "confirmation");
  if (!claim) return { orderId, outcome: "duplicate", email: "duplicate" };
  if (!order.confirmationNotifiedAt) {
    try {
      await announceConfirmed(deps, order);
    } catch (error) {
      await deps.orders.releaseCustomerEmail(orderId, "confirmation", claim);
      throw error;
    }
  }
  const email = await sendClaimed(deps, observability, order, "confirmation", claim, {
    confirmationNotified: true,
  });
  return { orderId, outcome: changed || !order.confirmationNotifiedAt ? "confirmed" : "duplicate", email };
}

async function announceConfirmed(deps: OrderSuccessDeps, order: OrderRecord): Promise<void> {
  await deps.alerts.publish(confirmationMessage(order));
  logger.info("Order confirmed", { total: formatMoney(order.totalMinor ?? 0, order.currency ?? "USD") });
}

/** FAILED: the workflow recorded and announced the failure; the customer hears of it once. */
async function failed(deps: OrderSuccessDeps, orderId: string): Promise<StatusChangeResult> {
  const order = await deps.orders.get(orderId);
  // An execution that failed without recording FAILED (OrderFailureNotRecorded) is not a failed order.
  if (order?.status !== "FAILED") {
    logger.warn("Execution failed but the order is not FAILED: no customer e-mail", {
      status: order?.status,
    });
    return { orderId, outcome: "ignored" };
  }
  return { orderId, outcome: "failed", email: await emailCustomer(deps, observability, order, "failure") };
}

export function createHandler(overrides: Partial<OrderSuccessDeps> = {}) {
  const deps: OrderSuccessDeps = {
    orders: overrides.orders ?? dynamoDbConfirmationStore(config),
    alerts:
      overrides.alerts ?? new SnsNotifier(new SNSClient({ maxAttempts: 3 }), config.orderAlertsTopicArn),
    suppressions: overrides.suppressions ?? dynamoDbSuppressionList(config),
    mailer:
      "mailer" in overrides
        ? overrides.mailer
        : mailerFrom(config, {
            confirmation: config.confirmationEmailTemplateName,
            failure: config.failureEmailTemplateName,
          }),
  };

  return (event: StatusChangeEvent, context?: Context): Promise<StatusChangeResult> =>
    instrumented(observability, context, async () => {
      const { orderId, status, executionArn } = workflowEnd(event);
      logger.appendKeys({ orderId, executionArn });
      if (status === "SUCCEEDED") return confirm(deps, orderId);
      if (status === "FAILED") return failed(deps, orderId);
      logger.warn("Ignoring an execution that neither succeeded nor failed", { status });
      return { orderId, outcome: "ignored" };
    });
}

export const handler = createHandler();
