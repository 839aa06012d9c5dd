/**
 * ReconcileOrdersLambda (EventBridge Scheduler, every 5 minutes): finds orders still PENDING or
 * PROCESSING stuck_order_minutes after their last update, a fault the queue alarms cannot see (a
 * message lost, an execution that failed to start). A PENDING order's workflow is started again
 * under its order id: Step Functions refuses a name used before (Standard), so a workflow that did
 * start is never started twice, and every step is exactly-once in effect anyway (Express). A stuck
 * PROCESSING order is reported for a person (docs/RUNBOOK.md). Each order found is logged with what
 * was done; the StuckOrders metric (alarmed) counts them. A PROCESSING order whose payment waits
 * for the customer's authentication is not stuck before payment_action_timeout_minutes have passed.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { documentClient } from "../platform/dynamodb/document-client";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { DynamoDbStaleOrders } from "../orders/adapters/dynamodb-stale-orders";
import { StepFunctionsWorkflowStarter } from "../workflow/adapters/sfn-workflow-starter";
import { createObservability, instrumented } from "../platform/observability";
import { isPendingPayment } from "../orders/order";
import type { OrderStore, StaleOrder, StaleOrderFinder } from "../orders/ports";
import type { WorkflowStarter } from "../workflow/ports";
import { CONFIG, functionConfig, RECONCILE_ORDERS_CONFIG } from "../platform/config";

export interface ReconcileOrdersDeps {
  readonly staleOrders: StaleOrderFinder;
  readonly workflow: WorkflowStarter;
  /** Minutes without an update after which an open order is stuck. */
  readonly stuckOrderMinutes: number;
  /** A PROCESSING order whose payment waits for its outcome may wait this long more. */
  readonly paymentActionTimeoutMinutes: number;
  readonly orders: Pick<OrderStore, "get">;
  readonly now: () => Date;
}

/** At most this many orders per status per run: a backlog is worked off over several runs. */
export const RECONCILE_BATCH = 100;

export type ReconcileAction = "restarted" | "already-started" | "reported";

export interface ReconcileResult {
  readonly stuck: number;
  readonly restarted: number;
  readonly orders: readonly (StaleOrder & { readonly action: ReconcileAction })[];
}

const observability = createObservability("reconcile-orders");
const config = functionConfig("ReconcileOrders", RECONCILE_ORDERS_CONFIG);
const { logger, metrics } = observability;

function minutesFrom(variable: string, value: string): number {
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new Error(`${variable} must be a positive number of minutes (got "${value}").`);
  }
  return minutes;
}

export const stuckOrderMinutesFrom = (value: string): number =>
  minutesFrom(CONFIG.stuckOrderMinutes.env, value);

/**
 * A PROCESSING order whose payment waits for the customer (3-D Secure) or for settlement is not
 * stuck until its wait could have ended: the workflow cancels the payment at the timeout.
 */
async function waitsForPayment(deps: ReconcileOrdersDeps, orderId: string): Promise<boolean> {
  const payment = (await deps.orders.get(orderId))?.payment;
  if (!payment || !isPendingPayment(payment.status) || !payment.pendingSince) return false;
  const waitEnds =
    Date.parse(payment.pendingSince) + (deps.paymentActionTimeoutMinutes + deps.stuckOrderMinutes) * 60_000;
  return deps.now().getTime() < waitEnds;
}

async function reconcile(deps: ReconcileOrdersDeps): Promise<ReconcileResult> {
  const before = new Date(deps.now().getTime() - deps.stuckOrderMinutes * 60_000).toISOString();
  const orders: (StaleOrder & { action: ReconcileAction })[] = [];
  for (const stale of await deps.staleOrders.list("PENDING", before, RECONCILE_BATCH)) {
    // The execution input as the queue would have given it (ValidateOrder reads the items itself).
    const outcome = await deps.workflow.start(stale.orderId, { orderId: stale.orderId });
    const action = outcome === "started" ? "restarted" : "already-started";
    logger.warn("Stuck order", {
      orderId: stale.orderId,
      status: stale.status,
      updatedAt: stale.updatedAt,
      action,
    });
    orders.push({ ...stale, action });
  }
  for (const stale of await deps.staleOrders.list("PROCESSING", before, RECONCILE_BATCH)) {
    if (await waitsForPayment(deps, stale.orderId)) continue;
    logger.error("Stuck order", {
      orderId: stale.orderId,
      status: stale.status,
      updatedAt: stale.updatedAt,
      action: "reported",
    });
    orders.push({ ...stale, action: "reported" });
  }
  const restarted = orders.filter((o) => o.action === "restarted").length;
  metrics.addMetric("StuckOrders", MetricUnit.Count, orders.length);
  metrics.addMetric("OrdersRestarted", MetricUnit.Count, restarted);
  logger.info("Reconciled", { stuck: orders.length, restarted, stuckOrderMinutes: deps.stuckOrderMinutes });
  return { stuck: orders.length, restarted, orders };
}

export function createHandler(overrides: Partial<ReconcileOrdersDeps> = {}) {
  const deps: ReconcileOrdersDeps = {
    staleOrders: overrides.staleOrders ?? new DynamoDbStaleOrders(documentClient(), config.ordersTableName),
    workflow:
      overrides.workflow ??
      new StepFunctionsWorkflowStarter(new SFNClient({ maxAttempts: 3 }), config.stateMachineArn),
    stuckOrderMinutes: overrides.stuckOrderMinutes ?? stuckOrderMinutesFrom(config.stuckOrderMinutes),
    paymentActionTimeoutMinutes:
      overrides.paymentActionTimeoutMinutes ??
      minutesFrom(CONFIG.paymentActionTimeoutMinutes.env, config.paymentActionTimeoutMinutes),
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    now: overrides.now ?? (() => new Date()),
  };
  return (_event: unknown, context?: Context): Promise<ReconcileResult> =>
    instrumented(observability, context, () => reconcile(deps));
}

export const handler = createHandler();
