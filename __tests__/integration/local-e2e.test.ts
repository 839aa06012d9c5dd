/**
 * End to end over HTTP against the local runtime: the bundled handlers, the deployed state machine
 * definition, dynalite, the local queue, SNS and EventBridge, in both workflow types.
 */
import { randomUUID } from "node:crypto";
import { WORKFLOW_TYPES } from "../../lambdas/workflow/type";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

// The whole suite runs against each workflow type: EXPRESS keeps every guarantee STANDARD gives.
describe.each(WORKFLOW_TYPES)("%s workflow", (workflowType) => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem({ workflowType });
  });
  afterAll(() => t.stop());

  const good = (productId: string, quantity = 1, paymentToken = "tok_visa") => ({
    customerEmail: "buyer@example.com",
    paymentToken,
    items: [{ productId, quantity }],
  });

  const notificationsFor = (orderId: string) =>
    t.system.notifications.list().filter((n) => n.subject.includes(orderId));

  test("a good order ends CONFIRMED, stock drops and an 'order confirmed' notification arrives", async () => {
    const before = await t.stockOf("SKU-1003");
    const placed = await t.placeOrder({
      customerEmail: "buyer@example.com",
      paymentToken: "tok_visa",
      items: [
        { productId: "SKU-1003", quantity: 2 },
        { productId: "SKU-1007", quantity: 1 },
      ],
    });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({
      status: "PENDING",
      links: { self: `/orders/${placed.body.orderId}` },
    });
    const orderId = String(placed.body.orderId);

    const order = await t.waitForFinalStatus(orderId);
    expect(order).toMatchObject({ orderId, status: "CONFIRMED", currency: "USD", total: 2 * 89 + 24 });
    expect(await t.stockOf("SKU-1003")).toBe(before - 2);
    expect(t.system.workflow.get(orderId)?.executionArn).toContain(
      workflowType === "EXPRESS" ? ":express:" : ":execution:",
    );
    expect(notificationsFor(orderId)).toHaveLength(1);
    const [confirmation] = notificationsFor(orderId);
    expect(confirmation).toMatchObject({ topic: "OrderAlertsTopic", subject: `Order ${orderId} confirmed` });
    expect(confirmation.message).toContain("Total: 202.00 USD");
    expect(confirmation.message).toContain("2 x Merino Wool Sweater");
    const published = (await (await fetch(`${t.system.url}/_local/notifications`)).json()) as {
      notifications: Record<string, unknown>[];
    };
    expect(published.notifications).toContainEqual({
      topic: "OrderAlertsTopic",
      subject: `Order ${orderId} confirmed`,
      message: confirmation.message,
      publishedAt: expect.any(String),
    });
  });

  test.each([
    [
      "an unknown product",
      good("SKU-DOES-NOT-EXIST"),
      "ProductNotFound",
      /Unknown product: SKU-DOES-NOT-EXIST/,
    ],
    ["insufficient stock", good("SKU-1012", 50), "InsufficientStock", /50 requested, \d+ in stock/],
    ["a declined card", good("SKU-1004", 1, "tok_chargeDeclined"), "PaymentDeclined", /declined/],
    [
      "insufficient funds",
      good("SKU-1004", 1, "tok_insufficientFunds"),
      "InsufficientFunds",
      /insufficient funds/,
    ],
  ])(
    "%s ends FAILED with a specific reason, an error notification and no stock change",
    async (_, body, code, reason) => {
      const productId = (body.items[0] as { productId: string }).productId;
      const before = productId.startsWith("SKU-10") ? await t.stockOf(productId) : undefined;
      const placed = await t.placeOrder(body);
      expect(placed.status).toBe(202);
      const orderId = String(placed.body.orderId);
      const order = await t.waitForFinalStatus(orderId);
      expect(order).toMatchObject({ status: "FAILED", failureCode: code });
      expect(String(order.failureReason)).toMatch(reason);
      const notices = notificationsFor(orderId);
      expect(notices).toHaveLength(1);
      const [notice] = notices;
      expect(notice).toMatchObject({
        topic: "OrderErrorNotificationTopic",
        subject: `Order ${orderId} failed`,
      });
      expect(notice.message).toContain(code);
      if (before !== undefined) expect(await t.stockOf(productId)).toBe(before);
      expect((await t.orderRecord(orderId))?.payment).toBeUndefined();
    },
  );

  test("tok_processingError fails the first charge, the workflow retries, and the order completes", async () => {
    const placed = await t.placeOrder(good("SKU-1005", 1, "tok_processingError"));
    const orderId = String(placed.body.orderId);
    const order = await t.waitForFinalStatus(orderId);
    expect(order.status).toBe("CONFIRMED");
    const record = await t.orderRecord(orderId);
    expect(record?.paymentAttempts).toBe(2);
    expect(record?.payment?.status).toBe("CHARGED");
  });

  test("the race: 50 concurrent orders for a stock of 5 → 5 CONFIRMED, 45 FAILED, stock 0, paid failures refunded", async () => {
    expect(await t.stockOf("SKU-1011")).toBe(5);
    const placed = await Promise.all(Array.from({ length: 50 }, () => t.placeOrder(good("SKU-1011"))));
    expect(placed.every((p) => p.status === 202)).toBe(true);
    const finals = await Promise.all(placed.map((p) => t.waitForFinalStatus(String(p.body.orderId), 40_000)));
    expect(finals.filter((o) => o.status === "CONFIRMED")).toHaveLength(5);
    expect(finals.filter((o) => o.status === "FAILED")).toHaveLength(45);
    expect(await t.stockOf("SKU-1011")).toBe(0);
    const records = await Promise.all(placed.map((p) => t.orderRecord(String(p.body.orderId))));
    for (const record of records) {
      if (record?.status === "CONFIRMED") expect(record.payment?.status).toBe("CHARGED");
      // Every order that was charged and then failed was refunded.
      if (record?.status === "FAILED" && record.payment) expect(record.payment.status).toBe("REFUNDED");
    }
    // The compensation path ran for real: orders priced while stock lasted were charged, lost the
    // race for the stock, and were refunded.
    const refunded = records.filter((r) => r?.status === "FAILED" && r.payment?.status === "REFUNDED");
    expect(refunded.length).toBeGreaterThanOrEqual(1);
    // Each order told its outcome exactly once: a confirmation or a failure notice.
    for (const record of records) {
      const told = notificationsFor(record!.orderId).map((n) => n.topic);
      expect(told).toEqual([
        record!.status === "CONFIRMED" ? "OrderAlertsTopic" : "OrderErrorNotificationTopic",
      ]);
    }
    const failureCodes = new Set(records.filter((r) => r?.status === "FAILED").map((r) => r?.failureCode));
    expect([...failureCodes].every((c) => c === "InsufficientStock" || c === "OutOfStock")).toBe(true);
  });

  test("the same Idempotency-Key twice: one order, one execution", async () => {
    const key = `key-${randomUUID()}`;
    const first = await t.placeOrder(good("SKU-1008"), key);
    const second = await t.placeOrder(good("SKU-1008"), key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.orderId).toBe(first.body.orderId);
    const orderId = String(first.body.orderId);
    await t.waitForFinalStatus(orderId);
    expect(t.system.workflow.list().filter((e) => e.name === orderId)).toHaveLength(1);
    expect((await t.allOrders()).filter((o) => o.idempotencyKey === key)).toHaveLength(1);
    const conflict = await t.placeOrder(good("SKU-1008", 2), key);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
  });

  test("a crash mid-batch: the message is redelivered and the order still completes once", async () => {
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    t.failWorkflowStarts(keys[1], 1);
    const placed = await Promise.all(keys.map((k) => t.placeOrder(good("SKU-1010"), k)));
    const crashing = String(placed[1].body.orderId);
    const finals = await Promise.all(placed.map((p) => t.waitForFinalStatus(String(p.body.orderId))));
    expect(finals.map((o) => o.status)).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED"]);
    expect(t.system.workflow.list().filter((e) => e.name === crashing)).toHaveLength(1);
    expect(notificationsFor(crashing).filter((n) => n.topic === "OrderAlertsTopic")).toHaveLength(1);
  });

  test("after maxReceiveCount failures the message is dead-lettered and a critical alert is published", async () => {
    const key = randomUUID();
    t.failWorkflowStarts(key, 100);
    const placed = await t.placeOrder(good("SKU-1001"), key);
    expect(placed.status).toBe(202);
    const orderId = String(placed.body.orderId);
    await t.system.settled();
    expect(t.system.queue.deadLetterMessages().map((m) => JSON.parse(m.body))).toContainEqual(
      expect.objectContaining({ orderId }),
    );
    const alerts = t.system.notifications.list().filter((n) => n.topic === "CriticalAlertsTopic");
    expect(alerts.some((a) => a.message.includes(orderId))).toBe(true);
    expect(t.system.workflow.get(orderId)).toBeUndefined();
    expect((await t.getOrder(orderId)).body.status).toBe("PENDING");
  });

  test("a failed confirmation publish is retried; after every retry it is dead-lettered and alerted", async () => {
    const retriedKey = randomUUID();
    t.failConfirmations(retriedKey, 2);
    const retried = await t.placeOrder(good("SKU-1006"), retriedKey);
    const retriedId = String(retried.body.orderId);
    expect((await t.waitForFinalStatus(retriedId)).status).toBe("CONFIRMED");
    expect(notificationsFor(retriedId).filter((n) => n.topic === "OrderAlertsTopic")).toHaveLength(1);

    const lostKey = randomUUID();
    t.failConfirmations(lostKey, 3);
    const lostId = String((await t.placeOrder(good("SKU-1006"), lostKey)).body.orderId);
    await t.waitForFinalStatus(lostId);
    expect(t.system.confirmationDeadLetters().map((e) => (e.detail as { name: string }).name)).toContain(
      lostId,
    );
    const critical = t.system.notifications.list().filter((n) => n.topic === "CriticalAlertsTopic");
    expect(critical.some((n) => n.message.includes(lostId))).toBe(true);
    // Paid and confirmed, but the customer was not told: the record shows it for the replay.
    expect((await t.orderRecord(lostId))?.confirmationNotifiedAt).toBeUndefined();
  });

  test("the HTTP contract: products, unknown orders, bad input and unknown routes", async () => {
    const products = await fetch(`${t.system.url}/products`);
    expect(products.status).toBe(200);
    const { products: list } = (await products.json()) as { products: Record<string, unknown>[] };
    expect(list.length).toBeGreaterThanOrEqual(10);
    expect(list[0]).toEqual({
      productId: "SKU-1001",
      name: "Classic Cotton T-Shirt",
      price: 19.99,
      currency: "USD",
      stock: expect.any(Number),
      available: true,
    });

    expect((await t.getOrder(randomUUID())).status).toBe(404);
    const bad = await t.placeOrder({ customerEmail: "nope", paymentToken: "tok_visa", items: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "INVALID_EMAIL", message: expect.any(String) } });
    const malformed = await fetch(`${t.system.url}/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: t.token },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
    const missing = await fetch(`${t.system.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "ROUTE_NOT_FOUND" } });
    expect((await fetch(`${t.system.url}/products`, { method: "DELETE" })).status).toBe(405);
    const health = await fetch(`${t.system.url}/_local/health`);
    expect(health.status).toBe(200);
  });

  test("the root method places an order the same way", async () => {
    const response = await fetch(`${t.system.url}/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: t.token },
      body: JSON.stringify(good("SKU-1002")),
    });
    expect(response.status).toBe(202);
    const { orderId } = (await response.json()) as { orderId: string };
    expect((await t.waitForFinalStatus(orderId)).status).toBe("CONFIRMED");
  });
});
