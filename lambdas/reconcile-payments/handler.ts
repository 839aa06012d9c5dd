/**
 * ReconcilePaymentsLambda (EventBridge Scheduler, daily; `npm run reconcile-payments` on demand):
 * lists the payment provider's settled payments and refunds of the last reconcile_days and compares
 * them with the orders of the same days (payments/reconciliation.ts). Every finding is a log line
 * and counts in PaymentMismatches (alarmed); nothing is corrected automatically. The simulated
 * provider keeps no books in AWS (it moves no money), so a simulated deployment skips the run and
 * says so; locally the runtime gives the simulated provider's books to this function.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { dynamoDbRecentOrders } from "../orders/adapters/dynamodb-recent-orders";
import { StripePaymentGateway } from "../payments/adapters/stripe-payment-gateway";
import { createObservability, instrumented } from "../platform/observability";
import { gatewaysFrom } from "../payments/gateways";
import { reconcile, type ReconciliationReport } from "../payments/reconciliation";
import type { PaymentBooks } from "../payments/ports";
import type { RecentOrders } from "../orders/ports";
import { CONFIG, functionConfig, RECONCILE_PAYMENTS_CONFIG } from "../platform/config";

export interface ReconcilePaymentsDeps {
  /** The provider's books; undefined with the simulated provider deployed (it keeps none). */
  readonly books: PaymentBooks | undefined;
  readonly orders: RecentOrders;
  /** How many days back the provider's payments and the orders are compared. */
  readonly reconcileDays: number;
  readonly now: () => Date;
}

export interface ReconcilePaymentsResult extends ReconciliationReport {
  /** The window's start (ISO). */
  readonly since: string;
  /** Why nothing was compared, when nothing was. */
  readonly skipped?: string;
}

const observability = createObservability("reconcile-payments");
const config = functionConfig("ReconcilePayments", RECONCILE_PAYMENTS_CONFIG);
const { logger, metrics } = observability;

export const NO_SIMULATED_BOOKS =
  "The simulated payment provider keeps no books in AWS (it moves no money): nothing to reconcile.";

/** reconcile_days: a whole number of days, 1 to 30 (the variable's validation says the same). */
export function reconcileDaysFrom(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 30) {
    throw new Error(
      `${CONFIG.reconcileDays.env} must be a whole number of days from 1 to 30 (got "${value}").`,
    );
  }
  return days;
}

async function run(deps: ReconcilePaymentsDeps): Promise<ReconcilePaymentsResult> {
  const since = new Date(deps.now().getTime() - deps.reconcileDays * 24 * 3600 * 1000);
  if (!deps.books) {
    logger.info(NO_SIMULATED_BOOKS);
    return { since: since.toISOString(), checked: 0, findings: [], skipped: NO_SIMULATED_BOOKS };
  }
  const provider = deps.books.provider;
  const charges = await deps.books.listCharges(since);
  // Orders charged through another provider (before a switch) are not in these books.
  const orders = (await deps.orders.createdSince(since.toISOString())).filter(
    (order) => (order.payment?.provider ?? "simulated") === provider,
  );
  const report = await reconcile(charges, orders, (orderId) => deps.orders.get(orderId));
  for (const finding of report.findings) {
    logger.warn("Payment mismatch", { ...finding, finding: finding.kind });
  }
  metrics.addMetric("PaymentsReconciled", MetricUnit.Count, report.checked);
  metrics.addMetric("PaymentMismatches", MetricUnit.Count, report.findings.length);
  logger.info("Payments reconciled", {
    provider,
    since: since.toISOString(),
    charges: charges.length,
    orders: orders.length,
    findings: report.findings.length,
  });
  return { since: since.toISOString(), ...report };
}

/** Stripe's books with payment_provider = stripe; none with the simulated provider. */
function booksFromConfig(): PaymentBooks | undefined {
  const { current, gateways } = gatewaysFrom(config);
  const stripe = gateways.stripe;
  return current === "stripe" && stripe instanceof StripePaymentGateway ? stripe : undefined;
}

export function createHandler(overrides: Partial<ReconcilePaymentsDeps> = {}) {
  const deps: ReconcilePaymentsDeps = {
    books: "books" in overrides ? overrides.books : booksFromConfig(),
    orders: overrides.orders ?? dynamoDbRecentOrders(config),
    reconcileDays: overrides.reconcileDays ?? reconcileDaysFrom(config.reconcileDays),
    now: overrides.now ?? (() => new Date()),
  };
  return (_event: unknown, context?: Context): Promise<ReconcilePaymentsResult> =>
    instrumented(observability, context, () => run(deps));
}

export const handler = createHandler();
