/**
 * Sending one customer e-mail at most once in effect, whoever sends it (OrderSuccessHandler the
 * workflow's outcome, AfterSale a cancellation or a shipment): a claim on the order, the suppression
 * list, SES, and the outcome recorded on the order. A failure worth retrying gives the claim back.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { SesCustomerMailer } from "./adapters/ses-customer-mailer";
import { CUSTOMER_EMAIL_MODES, emailDataOf, isCustomerEmailMode } from "./customer-emails";
import { emailKindOf, type CustomerEmailKind, type CustomerEmailSubject } from "../orders/order";
import { EmailRejected } from "../platform/errors";
import {
  CUSTOMER_EMAIL_CLAIM_SECONDS,
  emailAttributeOf,
  type CustomerEmailRecord,
  type OrderRecord,
} from "../orders/order";
import type { CustomerMailer, SuppressionList } from "./ports";
import type { OrderStore } from "../orders/ports";
import type { Observability } from "../platform/observability";
import { isErasedAddress } from "../customers/personal-data";
import { CONFIG } from "../platform/config";

export interface CustomerMailDeps {
  readonly orders: Pick<
    OrderStore,
    "get" | "claimCustomerEmail" | "releaseCustomerEmail" | "recordCustomerEmail"
  >;
  readonly suppressions: SuppressionList;
  /** Undefined with customer_emails = off. */
  readonly mailer: CustomerMailer | undefined;
}

export type EmailOutcome = "sent" | "duplicate" | "suppressed" | "rejected" | "off";

/** A claim on a customer e-mail: when it was taken, and before when an abandoned one may be retaken. */
export function newClaim() {
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
export async function claimEmail(
  deps: CustomerMailDeps,
  log: Observability,
  orderId: string,
  kind: CustomerEmailSubject,
): Promise<string | undefined> {
  const { claimedAt, claimExpiredBefore } = newClaim();
  if (await deps.orders.claimCustomerEmail(orderId, kind, claimedAt, claimExpiredBefore)) return claimedAt;
  const current = (await deps.orders.get(orderId))?.[emailAttributeOf(kind)];
  if (current?.status === "SENDING") {
    // Another delivery is sending it right now, or died doing so: come back when its claim ends.
    const busy = new Error(`The ${kind} e-mail is being sent by another delivery; retry later.`);
    busy.name = "CustomerEmailInProgress";
    throw busy;
  }
  log.logger.info("Customer e-mail already handled", { kind, status: current?.status });
  return undefined;
}

/** Sends one customer e-mail at most once in effect: claim on the order, send, record the outcome. */
export async function emailCustomer(
  deps: CustomerMailDeps,
  log: Observability,
  order: OrderRecord,
  kind: CustomerEmailSubject,
): Promise<EmailOutcome> {
  const claimedAt = await claimEmail(deps, log, order.orderId, kind);
  return claimedAt ? sendClaimed(deps, log, order, kind, claimedAt) : "duplicate";
}

/**
 * Sends a claimed e-mail and records the outcome (with `confirmationNotified`, in the same write as
 * the notice that the "order confirmed" notification went out); gives the claim back on a failure
 * worth retrying.
 */
export async function sendClaimed(
  deps: CustomerMailDeps,
  { logger, metrics }: Observability,
  order: OrderRecord,
  kind: CustomerEmailSubject,
  claimedAt: string,
  also: { readonly confirmationNotified?: boolean } = {},
): Promise<EmailOutcome> {
  const record = (outcome: CustomerEmailRecord) =>
    deps.orders.recordCustomerEmail(order.orderId, kind, outcome, also);
  if (!deps.mailer) {
    await record({ status: "OFF", claimedAt });
    return "off";
  }
  if (isErasedAddress(order.customerEmail)) {
    // The customer erased their data while the order was on its way: there is nobody to write to.
    logger.info("Customer erased: not mailed", { kind: emailKindOf(kind) });
    await record({ status: "OFF", claimedAt, detail: "customer erased" });
    return "off";
  }
  let sent: { readonly messageId: string } | "suppressed";
  try {
    sent = (await deps.suppressions.isSuppressed(order.customerEmail))
      ? "suppressed"
      : await deps.mailer.send({
          to: order.customerEmail,
          kind: emailKindOf(kind),
          data: emailDataOf(order, kind),
        });
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

export interface MailerConfig {
  readonly customerEmails: string;
  readonly senderAddress: string;
  readonly emailConfigurationSetName: string;
}

/** SES when customer_emails is on; undefined (nothing sent, recorded OFF) when off. */
export function mailerFrom(
  config: MailerConfig,
  templateNames: Readonly<Partial<Record<CustomerEmailKind, string>>>,
): CustomerMailer | undefined {
  const mode = config.customerEmails;
  if (!isCustomerEmailMode(mode)) {
    throw new Error(`${CONFIG.customerEmails.env}=${mode} is not one of ${CUSTOMER_EMAIL_MODES.join(", ")}.`);
  }
  if (mode === "off") return undefined;
  if (!config.senderAddress) {
    throw new Error(`${CONFIG.customerEmails.env}=on needs ${CONFIG.senderAddress.env}, the From address.`);
  }
  return new SesCustomerMailer(
    { from: config.senderAddress, configurationSetName: config.emailConfigurationSetName, templateNames },
    { maxAttempts: 3 },
  );
}
