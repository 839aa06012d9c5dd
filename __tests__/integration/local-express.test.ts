/**
 * workflow_type = EXPRESS end to end: Express executions are not de-duplicated by name, so one
 * order's workflow can run twice. Every step must stay exactly-once in effect: one charge (the
 * Stripe stand-in: one PaymentIntent that moved money), one stock decrement, one confirmation (one
 * OrderAlertsTopic notification, one customer e-mail). Here every queue message starts its order's
 * execution twice at once, and a test runs it a third time after the order ended.
 */
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { freePort, runCli, startRuntime } from "../support/runtime-process";
import { startStripeStandIn, type StripeStandIn } from "../support/stripe-stand-in";

jest.setTimeout(60_000);

/** Each start of an execution becomes two concurrent ones, as a duplicate Express start would. */
const startTwice = (port: WorkflowStarter): WorkflowStarter => ({
  start: async (orderId, input) => {
    const [first] = await Promise.all([port.start(orderId, input), port.start(orderId, input)]);
    return first;
  },
});

let standIn: StripeStandIn;
let t: TestSystem;
beforeAll(async () => {
  standIn = await startStripeStandIn();
  t = await startTestSystem({
    workflowType: "EXPRESS",
    paymentProvider: "stripe",
    stripeSecretKey: "sk_test_local_express",
    stripeApiBase: standIn.url,
    wrapPorts: { workflowStarter: startTwice },
  });
});
afterAll(async () => {
  await t?.stop();
  await standIn?.stop();
});

const order = (productId: string, paymentToken = "tok_visa", quantity = 1) => ({
  paymentToken,
  items: [{ productId, quantity }],
});

/** What the order did to the world: charges, refunds, stock, notifications, e-mails. */
async function effectsOf(orderId: string, productId: string) {
  await t.system.settled();
  const byOrder = (records: Map<string, Record<string, unknown>>) =>
    [...records.values()].filter((r) => (r.metadata as { orderId?: string }).orderId === orderId).length;
  return {
    status: (await t.orderRecord(orderId))?.status,
    executions: t.system.workflow.executionsNamed(orderId).length,
    charges: byOrder(standIn.charges),
    refunds: byOrder(standIn.refunds),
    stock: await t.stockOf(productId),
    notifications: t.system.notifications
      .list()
      .filter((n) => n.subject.includes(orderId))
      .map((n) => n.topic),
    emails: (t.system.emails?.list() ?? []).filter((e) => e.text.includes(orderId)).map((e) => e.template),
    // A second delivery waits for the first (its e-mail claim), it is never dead-lettered.
    deadLetters: t.system.confirmationDeadLetters().length,
  };
}

async function place(productId: string, paymentToken = "tok_visa"): Promise<string> {
  const placed = await t.placeOrder(order(productId, paymentToken));
  expect(placed.status).toBe(202);
  const orderId = String(placed.body.orderId);
  await t.waitForFinalStatus(orderId);
  return orderId;
}

/** The order's execution once more, after it ended: what a late duplicate start does. */
async function runAgain(orderId: string): Promise<void> {
  const input = JSON.parse(t.system.workflow.executionsNamed(orderId)[0].input) as unknown;
  t.system.workflow.startExecution(orderId, input);
  await t.system.settled();
}

test("an EXPRESS execution has a unique ARN, bills no transitions and announces its end itself", async () => {
  await fetch(`${t.system.url}/_local/meter/reset`, { method: "POST" });
  const orderId = await place("SKU-1002");
  await t.system.settled();
  for (const execution of t.system.workflow.executionsNamed(orderId)) {
    expect(execution.executionArn).toMatch(new RegExp(`:express:order-processing:${orderId}:[0-9a-f-]{36}$`));
  }
  const meter = (await (await fetch(`${t.system.url}/_local/meter`)).json()) as {
    services: Record<string, { operations: Record<string, Record<string, number>> }>;
  };
  expect(Object.keys(meter.services["Step Functions"].operations)).toEqual(["express:execution"]);
  expect(meter.services["Step Functions"].operations["express:execution"]).toMatchObject({
    requests: 2,
    gbSeconds: expect.any(Number),
  });
  expect(meter.services.EventBridge.operations.PutEvents.events).toBeGreaterThanOrEqual(1);
});

test("a confirmed order run twice at once, then once more: one charge, one decrement, one confirmation, one e-mail", async () => {
  const before = await t.stockOf("SKU-1004");
  const orderId = await place("SKU-1004");
  const once = {
    status: "CONFIRMED",
    charges: 1,
    refunds: 0,
    stock: before - 1,
    notifications: ["OrderAlertsTopic"],
    emails: ["local-order-confirmation"],
    deadLetters: 0,
  };
  expect(await effectsOf(orderId, "SKU-1004")).toEqual({ ...once, executions: 2 });
  await runAgain(orderId);
  expect(await effectsOf(orderId, "SKU-1004")).toEqual({ ...once, executions: 3 });
});

test("a declined order run twice at once, then once more: FAILED once, no charge, told once", async () => {
  const before = await t.stockOf("SKU-1006");
  const orderId = await place("SKU-1006", "tok_chargeDeclined");
  const once = {
    status: "FAILED",
    charges: 0,
    refunds: 0,
    stock: before,
    // Only the run that records FAILED tells anyone: the other finds the order ended.
    notifications: ["OrderErrorNotificationTopic"],
    emails: ["local-order-failed"],
    deadLetters: 0,
  };
  expect(await effectsOf(orderId, "SKU-1006")).toEqual({ ...once, executions: 2 });
  await runAgain(orderId);
  expect(await effectsOf(orderId, "SKU-1006")).toEqual({ ...once, executions: 3 });
});

test("stock gone after the charge, run twice at once: charged once, refunded once, FAILED once", async () => {
  // Someone else takes the last units while this order is being charged.
  standIn.onRequest("POST /v1/payment_intents", () => t.setStock("SKU-1012", 0));
  try {
    const orderId = await place("SKU-1012");
    const once = {
      status: "FAILED",
      charges: 1,
      refunds: 1,
      stock: 0,
      notifications: ["OrderErrorNotificationTopic"],
      emails: ["local-order-failed"],
      deadLetters: 0,
    };
    expect(await effectsOf(orderId, "SKU-1012")).toEqual({ ...once, executions: 2 });
    expect(await t.orderRecord(orderId)).toMatchObject({
      failureCode: "OutOfStock",
      payment: { status: "REFUNDED" },
    });
    await runAgain(orderId);
    expect(await effectsOf(orderId, "SKU-1012")).toEqual({ ...once, executions: 3 });
  } finally {
    standIn.onRequest("POST /v1/payment_intents", async () => undefined);
  }
});

describe("npm start -- --workflow-type", () => {
  test("an unknown type is refused with exit code 2 and a readable message", async () => {
    const { code, output } = await runCli(["--workflow-type", "fast"]);
    expect(code).toBe(2);
    expect(output).toContain('--workflow-type must be one of STANDARD, EXPRESS (got "fast")');
  });

  test("ORDER_SYSTEM_WORKFLOW_TYPE=express runs EXPRESS, and the banner says so", async () => {
    const runtime = await startRuntime({
      port: await freePort(),
      env: { ORDER_SYSTEM_WORKFLOW_TYPE: "express" },
    });
    try {
      expect(runtime.output()).toContain("Workflow: EXPRESS");
      expect(runtime.output()).toContain("/_local/meter");
      // Local IAM is on by default, and the banner says so.
      expect(runtime.output()).toContain("IAM: each function's and the workflow's role");
    } finally {
      runtime.child.kill("SIGTERM");
      await runtime.exited();
    }
  });
});
