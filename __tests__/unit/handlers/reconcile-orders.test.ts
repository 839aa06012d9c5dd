/** ReconcileOrders through createHandler with an in-memory index of stale orders and a recording starter. */
import {
  createHandler,
  RECONCILE_BATCH,
  stuckOrderMinutesFrom,
} from "../../../lambdas/reconcile-orders/handler";
import type { StaleOrder, StaleOrderFinder } from "../../../lambdas/orders/ports";
import type { OrderRecord } from "../../../lambdas/orders/order";
import { RecordingWorkflowStarter } from "../../support/fakes";
import { context } from "../../support/events";

const NOW = new Date("2026-12-02T12:00:00.000Z");

/** The orders-by-status index: orders by status and last update, queried "updated before". */
class InMemoryStaleOrders implements StaleOrderFinder {
  readonly queries: { status: string; updatedBefore: string; limit: number }[] = [];
  constructor(private readonly orders: StaleOrder[]) {}

  async list(status: StaleOrder["status"], updatedBefore: string, limit: number): Promise<StaleOrder[]> {
    this.queries.push({ status, updatedBefore, limit });
    return this.orders
      .filter((o) => o.status === status && o.updatedAt < updatedBefore)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
      .slice(0, limit);
  }
}

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function system(orders: StaleOrder[], records: Record<string, Partial<OrderRecord>> = {}) {
  const staleOrders = new InMemoryStaleOrders(orders);
  const workflow = new RecordingWorkflowStarter();
  const handler = createHandler({
    staleOrders,
    workflow,
    stuckOrderMinutes: 15,
    paymentActionTimeoutMinutes: 30,
    orders: { get: async (orderId) => records[orderId] as OrderRecord | undefined },
    now: () => NOW,
  });
  return { staleOrders, workflow, handler };
}

test("a PENDING order not updated for stuck_order_minutes is restarted under its id; a fresh one is left alone", async () => {
  const { staleOrders, workflow, handler } = system([
    { orderId: "lost", status: "PENDING", updatedAt: minutesAgo(16) },
    { orderId: "fresh", status: "PENDING", updatedAt: minutesAgo(14) },
  ]);
  const result = await handler({}, context);
  expect(workflow.started).toEqual(["lost"]);
  expect(result).toMatchObject({
    stuck: 1,
    restarted: 1,
    orders: [{ orderId: "lost", action: "restarted" }],
  });
  expect(staleOrders.queries).toContainEqual({
    status: "PENDING",
    updatedBefore: minutesAgo(15),
    limit: RECONCILE_BATCH,
  });
});

test("a PENDING order whose workflow did start is counted stuck but never started twice", async () => {
  const { workflow, handler } = system([
    { orderId: "started", status: "PENDING", updatedAt: minutesAgo(30) },
  ]);
  await workflow.start("started");
  const result = await handler({}, context);
  expect(workflow.started).toEqual(["started"]);
  expect(result).toMatchObject({ stuck: 1, restarted: 0, orders: [{ action: "already-started" }] });
});

test("a stuck PROCESSING order is reported for a person, not restarted", async () => {
  const { workflow, handler } = system([
    { orderId: "paying", status: "PROCESSING", updatedAt: minutesAgo(60) },
  ]);
  const result = await handler({}, context);
  expect(workflow.started).toEqual([]);
  expect(result).toEqual({
    stuck: 1,
    restarted: 0,
    orders: [{ orderId: "paying", status: "PROCESSING", updatedAt: minutesAgo(60), action: "reported" }],
  });
});

test("nothing stuck: nothing started, zero reported", async () => {
  const { workflow, handler } = system([]);
  await expect(handler({}, context)).resolves.toEqual({ stuck: 0, restarted: 0, orders: [] });
  expect(workflow.started).toEqual([]);
});

test("a failing StartExecution fails the run, so the schedule's next run tries again", async () => {
  const { workflow, handler } = system([{ orderId: "lost", status: "PENDING", updatedAt: minutesAgo(20) }]);
  workflow.failures.set("lost", 1);
  await expect(handler({}, context)).rejects.toThrow("StartExecution failed for lost");
  await expect(handler({}, context)).resolves.toMatchObject({ restarted: 1 });
});

test("STUCK_ORDER_MINUTES must be a positive number", () => {
  expect(stuckOrderMinutesFrom("15")).toBe(15);
  expect(stuckOrderMinutesFrom("0.5")).toBe(0.5);
  for (const bad of ["0", "-3", "soon", ""]) {
    expect(() => stuckOrderMinutesFrom(bad)).toThrow(
      "STUCK_ORDER_MINUTES must be a positive number of minutes",
    );
  }
});

test("a PROCESSING order waiting for its customer's 3-D Secure is not stuck until its wait could have ended", async () => {
  const waiting = (pendingMinutesAgo: number): Partial<OrderRecord> => ({
    payment: {
      status: "REQUIRES_ACTION",
      chargeId: "pi_1",
      amountMinor: 100,
      provider: "stripe",
      pendingSince: minutesAgo(pendingMinutesAgo),
    },
  });
  const { handler } = system(
    [
      { orderId: "authenticating", status: "PROCESSING", updatedAt: minutesAgo(20) },
      { orderId: "abandoned", status: "PROCESSING", updatedAt: minutesAgo(50) },
      { orderId: "stalled", status: "PROCESSING", updatedAt: minutesAgo(20) },
    ],
    // 30 minutes' wait + 15 minutes' grace: 20 minutes in is waiting; 50 is past both.
    { authenticating: waiting(20), abandoned: waiting(50), stalled: {} },
  );
  const result = await handler({}, context);
  expect(result.orders.map((o) => o.orderId).sort()).toEqual(["abandoned", "stalled"]);
});
