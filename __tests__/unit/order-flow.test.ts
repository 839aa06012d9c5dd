/**
 * One order through every handler's createHandler with the shared in-memory fakes: the seams between
 * the functions (what one returns is what the next is given), with no AWS SDK, database or bundle.
 */
import type { APIGatewayProxyResult, EventBridgeEvent } from "aws-lambda";
import { createHandler as orderPlacement } from "../../lambdas/order-placement/handler";
import { createHandler as orderSuccess } from "../../lambdas/order-success-handler/handler";
import { createHandler as processPayment } from "../../lambdas/process-payment/handler";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import { createHandler as startOrderProcessing } from "../../lambdas/start-order-processing/handler";
import { createHandler as updateInventory } from "../../lambdas/update-inventory/handler";
import { createHandler as validateOrder } from "../../lambdas/validate-order/handler";
import type { ValidatedOrder } from "../../lambdas/workflow/io";
import { apiEvent, context, sqsEvent } from "../support/events";
import {
  CountingGateway,
  InMemoryInventoryStore,
  InMemoryOrderStore,
  InMemorySuppressionList,
  PRODUCTS,
  RecordingMailer,
  RecordingNotifier,
  RecordingQueue,
  RecordingWorkflowStarter,
} from "../support/fakes";

function system(queueDelayMs = 0) {
  const queue = new RecordingQueue(queueDelayMs);
  // The orders table's stream, carried to OrdersQueue (an EventBridge Pipe when deployed).
  const orders = new InMemoryOrderStore([], queue);
  const inventory = new InMemoryInventoryStore(PRODUCTS);
  const workflow = new RecordingWorkflowStarter();
  const gateway = new CountingGateway(new SimulatedPaymentGateway({ transientFailures: 1 }));
  const alerts = new RecordingNotifier();
  const suppressions = new InMemorySuppressionList();
  const mailer = new RecordingMailer();
  return {
    mailer,
    orders,
    inventory,
    queue,
    workflow,
    gateway,
    alerts,
    place: orderPlacement({ orders, inventory }),
    start: startOrderProcessing({ workflow }),
    validate: validateOrder({ orders, inventory }),
    pay: processPayment({ orders, gateway }),
    stock: updateInventory({ inventory }),
    confirm: orderSuccess({ orders, alerts, suppressions, mailer }),
  };
}

const order = (paymentToken = "tok_visa", quantity = 2) => ({
  customerEmail: "buyer@example.com",
  paymentToken,
  items: [{ productId: "SKU-1001", quantity }],
});
const post = (body: unknown, key?: string) =>
  apiEvent({
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
  });
const bodyOf = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown>;
const succeeded = (orderId: string) =>
  ({
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    detail: {
      executionArn: `arn:exec:${orderId}`,
      name: orderId,
      status: "SUCCEEDED",
      input: JSON.stringify({ orderId }),
    },
  }) as unknown as EventBridgeEvent<"Step Functions Execution Status Change", unknown>;

/** The OrdersQueue message the outbox pipe makes of a PENDING order of 2 × SKU-1001. */
const streamMessage = (orderId: string) => ({
  orderId,
  items: [{ M: { productId: { S: "SKU-1001" }, quantity: { N: "2" } } }],
});

/** ProcessPayment's charge input, as the definition builds it from ValidateOrder's output. */
const chargeOf = (validated: ValidatedOrder) => ({
  action: "charge",
  orderId: validated.orderId,
  amountMinor: validated.totalMinor,
  currency: validated.currency,
  lines: validated.lines,
});

test("an order goes from the API to CONFIRMED through every function, each given what the last returned", async () => {
  const s = system();
  const placed = await s.place(post(order()), context);
  expect(placed.statusCode).toBe(202);
  const { orderId } = bodyOf(placed) as { orderId: string };
  // The pipe's message carries the items as the stream record holds them.
  expect(s.queue.sent).toEqual([streamMessage(orderId)]);

  const batch = await s.start(sqsEvent([JSON.stringify(s.queue.sent[0])]), context);
  expect(batch.batchItemFailures).toEqual([]);
  expect(s.workflow.started).toEqual([orderId]);

  const validated = await s.validate({ orderId, items: [{ productId: "SKU-1001", quantity: 2 }] }, context);
  expect(validated).toMatchObject({ orderId, totalMinor: 2 * 1999, currency: "USD" });
  expect((await s.orders.get(orderId))?.status).toBe("PENDING");

  const paid = await s.pay(chargeOf(validated), context);
  expect(paid).toMatchObject({ status: "CHARGED", amountMinor: 3998 });
  expect(await s.orders.get(orderId)).toMatchObject({ status: "PROCESSING", lines: validated.lines });
  expect(await s.stock({ orderId, items: validated.items }, context)).toEqual({
    orderId,
    inventory: "reserved",
  });
  expect(s.inventory.stockOf("SKU-1001")).toBe(8);

  expect(await s.confirm(succeeded(orderId), context)).toEqual({
    orderId,
    outcome: "confirmed",
    email: "sent",
  });
  expect((await s.orders.get(orderId))?.status).toBe("CONFIRMED");
  expect(s.alerts.published.map((n) => n.subject)).toEqual([`Order ${orderId} confirmed`]);
  expect(s.gateway.charges).toHaveLength(1);
});

test("retried steps charge once, take stock once and announce once", async () => {
  const s = system();
  const { orderId } = bodyOf(await s.place(post(order()), context)) as { orderId: string };
  const validated = await s.validate({ orderId }, context);
  const charge = chargeOf(validated);
  await s.pay(charge, context);
  await s.pay(charge, context);
  await s.stock({ orderId, items: validated.items }, context);
  expect(await s.stock({ orderId, items: validated.items }, context)).toEqual({
    orderId,
    inventory: "already-reserved",
  });
  await s.confirm(succeeded(orderId), context);
  expect(await s.confirm(succeeded(orderId), context)).toEqual({
    orderId,
    outcome: "duplicate",
    email: "duplicate",
  });
  // One customer e-mail however often the event comes.
  expect(s.mailer.sent.map((e) => e.kind)).toEqual(["confirmation"]);
  expect(s.gateway.charges).toHaveLength(1);
  expect(s.inventory.stockOf("SKU-1001")).toBe(8);
  expect(s.alerts.published).toHaveLength(1);
});

test("compensation: stock released once and payment refunded once, however often the steps run", async () => {
  const s = system();
  const { orderId } = bodyOf(await s.place(post(order()), context)) as { orderId: string };
  const validated = await s.validate({ orderId }, context);
  await s.pay(chargeOf(validated), context);
  await s.stock({ orderId, items: validated.items }, context);
  const release = { action: "release", orderId, items: validated.items };
  expect(await s.stock(release, context)).toEqual({ orderId, inventory: "released" });
  expect(await s.stock(release, context)).toEqual({ orderId, inventory: "nothing-reserved" });
  expect(s.inventory.stockOf("SKU-1001")).toBe(10);
  expect(await s.pay({ action: "refund", orderId }, context)).toMatchObject({ status: "REFUNDED" });
  expect(await s.pay({ action: "refund", orderId }, context)).toMatchObject({ status: "REFUNDED" });
  expect(s.gateway.refunds).toHaveLength(1);
});

test("a finished order never goes back: no re-validation after CONFIRMED, no confirmation after FAILED", async () => {
  const s = system();
  const { orderId } = bodyOf(await s.place(post(order()), context)) as { orderId: string };
  const validated = await s.validate({ orderId }, context);
  await s.confirm(succeeded(orderId), context);
  await expect(s.pay(chargeOf(validated), context)).rejects.toMatchObject({ name: "OrderAlreadyFinished" });
  expect((await s.orders.get(orderId))?.status).toBe("CONFIRMED");
  expect(s.gateway.charges).toEqual([]);

  const failed = bodyOf(await s.place(post(order("tok_visa", 1)), context)).orderId as string;
  s.orders.orders.set(failed, { ...s.orders.orders.get(failed)!, status: "FAILED" });
  expect(await s.confirm(succeeded(failed), context)).toEqual({ orderId: failed, outcome: "not-confirmed" });
  expect((await s.orders.get(failed))?.status).toBe("FAILED");
  expect(s.alerts.published.filter((n) => n.subject.includes(failed))).toEqual([]);
});

test("a recorded order is queued by the stream even when the API's caller never hears back", async () => {
  const s = system();
  const placed = bodyOf(await s.place(post(order(), "k-stream"), context)).orderId as string;
  // The function made one write; the queue message came from that write, not from a second call.
  expect(s.queue.sent).toEqual([streamMessage(placed)]);
});

test("a PENDING order whose stream record was lost is sent again by a replay, once it is stale", async () => {
  const s = system();
  s.queue.failures = 1; // the pipe gives up on the first record (its dead-letter queue)
  const key = "replay-key-1";
  const first = await s.place(post(order(), key), context);
  expect(first.statusCode).toBe(202);
  const orderId = bodyOf(first).orderId as string;
  expect(s.queue.sent).toEqual([]);
  expect(s.orders.pipeDeadLetters).toEqual([orderId]);
  // A prompt replay answers with the order and leaves it alone (the stream may still be delivering).
  expect((await s.place(post(order(), key), context)).statusCode).toBe(200);
  expect(s.queue.sent).toEqual([]);
  // Once it has waited past the requeue window, 20 concurrent replays queue it again, once.
  const stale = new Date(Date.now() - 60_000).toISOString();
  s.orders.orders.set(orderId, { ...s.orders.orders.get(orderId)!, createdAt: stale });
  const replays = await Promise.all(Array.from({ length: 20 }, () => s.place(post(order(), key), context)));
  expect(replays.every((r) => r.statusCode === 200 && bodyOf(r).orderId === orderId)).toBe(true);
  expect(s.queue.sent).toEqual([streamMessage(orderId)]);
  // …and the order goes on to CONFIRMED like any other.
  const batch = await s.start(sqsEvent([JSON.stringify(s.queue.sent[0])]), context);
  expect(batch.batchItemFailures).toEqual([]);
  expect(s.workflow.started).toHaveLength(1);
});

test("an idempotency key replayed with another token or items is refused, never a second order", async () => {
  const s = system();
  const key = "key-for-one-order";
  expect((await s.place(post(order(), key), context)).statusCode).toBe(202);
  const variants = [order("tok_mastercard"), order("tok_visa", 3)];
  for (const variant of variants) {
    const replay = await s.place(post(variant, key), context);
    expect(replay.statusCode).toBe(409);
    expect(bodyOf(replay)).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
  }
  expect(s.orders.orders.size).toBe(1);
  expect(s.queue.sent).toHaveLength(1);
});
