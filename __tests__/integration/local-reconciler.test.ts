/**
 * The stuck-order reconciler against the local runtime, on a shortened schedule: a queue message
 * lost on purpose leaves its order PENDING, and the reconciler's restart completes it anyway; an
 * order stuck PROCESSING is reported, not restarted.
 */
import type { OrderQueue } from "../../lambdas/workflow/ports";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

/** The first order whose message the outbox sends is lost: the send "succeeds", nothing is queued. */
let lost: string | undefined;
const losingFirstMessage = (port: OrderQueue): OrderQueue => ({
  send: async (message) => {
    if (lost === undefined) {
      lost = message.orderId;
      return;
    }
    await port.send(message);
  },
});

let t: TestSystem;
const logged: string[] = [];
beforeAll(async () => {
  t = await startTestSystem({
    apiAuth: "none",
    log: (line) => logged.push(line),
    wrapPorts: { orderQueue: losingFirstMessage },
    // 0.6 s without an update makes an open order stuck; the reconciler runs every 200 ms.
    stuckOrderMinutes: 0.01,
    reconcileIntervalMs: 200,
  });
});
afterAll(() => t.stop());

const order = (productId: string) => ({
  customerEmail: "buyer@example.com",
  paymentToken: "tok_visa",
  items: [{ productId, quantity: 1 }],
});

test("a lost queue message: the order stays PENDING until the reconciler restarts it, then completes once", async () => {
  const placed = await t.placeOrder(order("SKU-1003"));
  const orderId = String(placed.body.orderId);
  // The outbox sends (and here loses) the message a moment after the order is accepted.
  for (let waited = 0; lost === undefined && waited < 10_000; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(lost).toBe(orderId);
  expect(t.system.queue.deadLetterMessages()).toEqual([]);
  await expect(t.waitForFinalStatus(orderId, 20_000)).resolves.toMatchObject({ status: "CONFIRMED" });
  await t.system.settled();
  expect(t.system.workflow.executionsNamed(orderId)).toHaveLength(1);
  // The reconciler, not the queue, started it, and said so.
  expect(logged).toContainEqual(
    expect.stringMatching(new RegExp(`^order ${orderId} stuck PENDING since .+: restarted$`)),
  );
  const confirmations = t.system.notifications
    .list()
    .filter((n) => n.topic === "OrderAlertsTopic" && n.subject.includes(orderId));
  expect(confirmations).toHaveLength(1);
});

test("an order stuck PROCESSING is reported, never restarted; a finished one is not looked at", async () => {
  const placed = await t.placeOrder(order("SKU-1005"));
  const orderId = String(placed.body.orderId);
  await t.waitForFinalStatus(orderId);
  await t.system.settled();
  // As if its workflow had died after opening the payment: PROCESSING, not updated for an hour.
  await t.updateOrder(
    orderId,
    "SET #status = :processing, updatedAt = :old",
    { "#status": "status" },
    { ":processing": "PROCESSING", ":old": "2026-01-01T00:00:00.000Z" },
  );
  const result = await t.system.reconciler.runOnce();
  expect(result.orders).toEqual([
    { orderId, status: "PROCESSING", updatedAt: "2026-01-01T00:00:00.000Z", action: "reported" },
  ]);
  expect(t.system.workflow.executionsNamed(orderId)).toHaveLength(1);
  const others = result.orders.filter((o) => o.orderId !== orderId);
  expect(others).toEqual([]);
});
