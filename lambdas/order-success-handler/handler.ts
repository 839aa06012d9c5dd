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
import { SesCustomerMailer } from "../shared/adapters/ses-customer-mailer";
import { SnsNotifier } from "../shared/adapters/sns-notifier";
import { dynamoDbOrderStore, dynamoDbSuppressionList } from "../shared/adapters/dynamodb-stores";
import {
  confirmationEmailData,
  CUSTOMER_EMAIL_MODES,
  failureEmailData,
  isCustomerEmailMode,
  type CustomerEmailKind,
} from "../shared/customer-emails";
import { EmailRejected } from "../shared/errors";
import {
  EXECUTION_STATUS_CHANGE,
  ORDER_WORKFLOW_EVENT_SOURCE,
  ORDER_WORKFLOW_EVENTS,
} from "../shared/events";
import { formatMoney, toMajorUnits } from "../shared/money";
import {
  CUSTOMER_EMAIL_ATTRIBUTES,
  CUSTOMER_EMAIL_CLAIM_SECONDS,
  type CustomerEmailRecord,
  type OrderRecord,
} from "../shared/order";
import type { CustomerMailer, Notification, Notifier, OrderStore, SuppressionList } from "../shared/ports";
import { createObservability, instrumented } from "../shared/observability";
import { workflowInputSchema } from "../shared/workflow-io";
import { CONFIG, functionConfig } from "../contracts";

export interface OrderSuccessDeps {
  readonly orders: OrderStore;
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

/** What became of the order (confirmed, duplicate, failed, …) and of its customer e-mail. */
export interface StatusChangeResult {
  readonly orderId: string;
  readonly outcome: string;
  readonly email?: "sent" | "duplicate" | "suppressed" | "rejected" | "off";
}

/** A claim on a customer e-mail: when it was taken, and before when an abandoned one may be retaken. */
function newClaim() {
  const at = new Date();
  return {
    claimedAt: at.toISOString(),
    claimExpiredBefore: new Date(at.getTime() - CUSTOMER_EMAIL_CLAIM_SECONDS * 1000).toISOString(),
  };
}

/**
 * Takes the claim on one customer e-mail (free, or abandoned by a delivery that died). Undefined when
 * it was handled already; throws CustomerEmailInProgress while another delivery holds it.
 */
async function claimEmail(
  deps: OrderSuccessDeps,
  orderId: string,
  kind: CustomerEmailKind,
): Promise<string | undefined> {
  const { claimedAt, claimExpiredBefore } = newClaim();
  if (await deps.orders.claimCustomerEmail(orderId, kind, claimedAt, claimExpiredBefore)) return claimedAt;
  const current = (await deps.orders.get(orderId))?.[CUSTOMER_EMAIL_ATTRIBUTES[kind]];
  if (current?.status === "SENDING") {
    // Another delivery is sending it right now, or died doing so: come back when its claim ends.
    const busy = new Error(`The ${kind} e-mail is being sent by another delivery; retry later.`);
    busy.name = "CustomerEmailInProgress";
    throw busy;
  }
  logger.info("Customer e-mail already handled", { kind, status: current?.status });
  return undefined;
}

/** Sends one customer e-mail at most once in effect: claim on the order, send, record the outcome. */
async function emailCustomer(
  deps: OrderSuccessDeps,
  order: OrderRecord,
  kind: CustomerEmailKind,
): Promise<NonNullable<StatusChangeResult["email"]>> {
  const claimedAt = await claimEmail(deps, order.orderId, kind);
  return claimedAt ? sendClaimed(deps, order, kind, claimedAt) : "duplicate";
}

/**
 * Sends a claimed e-mail and records the outcome (with `confirmationNotified`, in the same write as
 * the notice that the "order confirmed" notification went out); gives the claim back on a failure
 * worth retrying.
 */
async function sendClaimed(
  deps: OrderSuccessDeps,
  order: OrderRecord,
  kind: CustomerEmailKind,
  claimedAt: string,
  also: { readonly confirmationNotified?: boolean } = {},
): Promise<NonNullable<StatusChangeResult["email"]>> {
  const record = (outcome: CustomerEmailRecord) =>
    deps.orders.recordCustomerEmail(order.orderId, kind, outcome, also);
  if (!deps.mailer) {
    await record({ status: "OFF", claimedAt });
    return "off";
  }
  let sent: { readonly messageId: string } | "suppressed";
  try {
    sent = (await deps.suppressions.isSuppressed(order.customerEmail))
      ? "suppressed"
      : await deps.mailer.send({ to: order.customerEmail, kind, data: emailData(order, kind) });
  } catch (error) {
    if (error instanceof EmailRejected) {
      logger.warn("SES refused the customer e-mail", { kind, reason: error.message });
      metrics.addMetric("CustomerEmailsRejected", MetricUnit.Count, 1);
      await record({ status: "REJECTED", claimedAt, detail: error.message });
      return "rejected";
    }
    // Nothing was sent (the list could not be read, or SES failed for now): give the claim back so
    // the retry of this event sends it.
    await deps.orders.releaseCustomerEmail(order.orderId, kind, claimedAt, also);
    throw error;
  }
  if (sent === "suppressed") {
    logger.info("Customer address is suppressed (bounced or complained): not mailed", { kind });
    metrics.addMetric("CustomerEmailsSuppressed", MetricUnit.Count, 1);
    await record({ status: "SUPPRESSED", claimedAt });
    return "suppressed";
  }
  await record({ status: "SENT", claimedAt, messageId: sent.messageId, sentAt: new Date().toISOString() });
  metrics.addMetric("CustomerEmailsSent", MetricUnit.Count, 1);
  logger.info("Customer e-mail sent", { kind, messageId: sent.messageId });
  return "sent";
}

function emailData(order: OrderRecord, kind: CustomerEmailKind) {
  return kind === "confirmation" ? confirmationEmailData(order) : failureEmailData(order);
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
  if (!changed && order.status !== "CONFIRMED") {
    logger.error("Not confirming an order in a final state", { status: order.status });
    return { orderId, outcome: "not-confirmed" };
  }
  if (changed) {
    metrics.addMetric("OrdersConfirmed", MetricUnit.Count, 1);
    metrics.addMetric("OrderValue", MetricUnit.Count, toMajorUnits(order.totalMinor ?? 0));
  }
  const claim = changed ? claimedAt : await claimEmail(deps, orderId, "confirmation");
  if (!claim) return { orderId, outcome: "duplicate", email: "duplicate" };
  if (!order.confirmationNotifiedAt) {
    try {
      await announceConfirmed(deps, order);
    } catch (error) {
      await deps.orders.releaseCustomerEmail(orderId, "confirmation", claim);
      throw error;
    }
  }
  const email = await sendClaimed(deps, order, "confirmation", claim, { confirmationNotified: true });
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
  return { orderId, outcome: "failed", email: await emailCustomer(deps, order, "failure") };
}

export function createHandler(overrides: Partial<OrderSuccessDeps> = {}) {
  const deps: OrderSuccessDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    alerts:
      overrides.alerts ?? new SnsNotifier(new SNSClient({ maxAttempts: 3 }), config.orderAlertsTopicArn),
    suppressions: overrides.suppressions ?? dynamoDbSuppressionList(config),
    mailer: "mailer" in overrides ? overrides.mailer : mailerFromConfig(),
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

/** SES when customer_emails is on; undefined (nothing sent, recorded OFF) when off. */
function mailerFromConfig(): CustomerMailer | undefined {
  const mode = config.customerEmails;
  if (!isCustomerEmailMode(mode)) {
    throw new Error(`${CONFIG.customerEmails.env}=${mode} is not one of ${CUSTOMER_EMAIL_MODES.join(", ")}.`);
  }
  if (mode === "off") return undefined;
  if (!config.senderAddress) {
    throw new Error(`${CONFIG.customerEmails.env}=on needs ${CONFIG.senderAddress.env}, the From address.`);
  }
  return new SesCustomerMailer(
    {
      from: config.senderAddress,
      configurationSetName: config.emailConfigurationSetName,
      templateNames: {
        confirmation: config.confirmationEmailTemplateName,
        failure: config.failureEmailTemplateName,
      },
    },
    { maxAttempts: 3 },
  );
}

export const handler = createHandler();
