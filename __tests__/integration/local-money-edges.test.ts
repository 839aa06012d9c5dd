/**
 * Exact answers at the edges of the money and privacy paths, over HTTP against the local runtime:
 * parallel refunds each answer with the refund their request made and e-mail it once and right;
 * reasons with control characters are refused and stored nowhere; an erasure is not an order (log,
 * meter); a customer who erased themselves and signs up again is someone new, and every erasure
 * refuses every token issued before it; the 3-D Secure client secret goes to the owner only and into
 * no log line.
 */
import { randomUUID } from "node:crypto";
import type { CapturedEmail } from "../../local/ses/email";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

const logged: string[] = [];
const runtimeLines: string[] = [];
let t: TestSystem;
let staff: string;
beforeAll(async () => {
  t = await startTestSystem({
    onHandlerLog: (_group, text) => logged.push(text),
    log: (line) => runtimeLines.push(line),
  });
  staff = await issue("refunds.desk@shop.example.com", ["staff"]);
});
afterAll(() => t?.stop());

async function issue(email: string, groups?: string[]): Promise<string> {
  const answer = await fetch(`${t.system.url}/_local/token`, {
    method: "POST",
    headers: { Accept: "text/plain" },
    body: JSON.stringify({ email, ...(groups ? { groups } : {}) }),
  });
  return answer.text();
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  key?: string,
): Promise<Answer> {
  const answer = await fetch(`${t.system.url}${path}`, {
    method,
    headers: {
      Authorization: token,
      "Content-Type": "application/json",
      ...(key ? { "Idempotency-Key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

async function confirmedOrder(token = t.token, productId = "SKU-1005", quantity = 4): Promise<string> {
  const placed = await t.placeOrder(
    { paymentToken: "tok_visa", items: [{ productId, quantity }] },
    `k-${randomUUID()}`,
    token,
  );
  expect(placed.status).toBe(202);
  const orderId = String(placed.body.orderId);
  const record = await until(
    () => t.orderRecord(orderId),
    (o) => o?.status === "CONFIRMED" || o?.status === "FAILED",
  );
  expect(record?.status).toBe("CONFIRMED");
  return orderId;
}

const refundEmails = async (orderId: string) =>
  (
    (await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] }
  ).emails.filter((e) => e.template.includes("refund") && e.text.includes(orderId));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

type RefundView = { id: string; amount: number; reason: string };

/** Ten requests at once with one Idempotency-Key, on one order. */
async function tenAtOnce(orderId: string): Promise<void> {
  const key = `refund-${randomUUID()}`;
  const answers = await Promise.all(
    Array.from({ length: 10 }, () =>
      call("POST", `/orders/${orderId}/refunds`, staff, { amount: "12.34", reason: "Damaged box" }, key),
    ),
  );
  const order = (await t.getOrder(orderId)).body as { refunds: RefundView[] };
  expect(order.refunds).toHaveLength(1);
  const [made] = order.refunds;
  expect(made).toMatchObject({ amount: 12.34, reason: "Damaged box" });
  for (const answer of answers) {
    expect([200, 201]).toContain(answer.status);
    expect(answer.body.refund).toEqual(made);
  }
  await until(
    () => refundEmails(orderId),
    (list) => list.length > 0,
  );
  // Every replay has had its chance to send: still one, and it names the amount refunded.
  await new Promise((r) => setTimeout(r, 200));
  const emails = await refundEmails(orderId);
  expect(emails).toHaveLength(1);
  expect(emails[0].text).toContain("12.34 USD");
  expect(emails[0].text).toContain("Damaged box");
}

test("ten parallel refunds with one Idempotency-Key: one refund, every answer names it, one right e-mail", async () => {
  // Four orders at once, so the replays race the first request's completion many times over.
  const orders = await Promise.all([1, 2, 3, 4].map(() => confirmedOrder()));
  await Promise.all(orders.map((orderId) => tenAtOnce(orderId)));
});

test("eight parallel refunds with different keys: each answer describes the refund its own request made", async () => {
  const orderId = await confirmedOrder();
  const amounts = ["1.01", "1.02", "1.03", "1.04", "1.05", "1.06", "1.07", "1.08"];
  const answers = await Promise.all(
    amounts.map((amount) =>
      call(
        "POST",
        `/orders/${orderId}/refunds`,
        staff,
        { amount, reason: `Goodwill ${amount}` },
        `refund-${randomUUID()}`,
      ),
    ),
  );
  for (const [i, answer] of answers.entries()) {
    expect(answer.status).toBe(201);
    expect(answer.body.refund).toMatchObject({
      amount: Number(amounts[i]),
      reason: `Goodwill ${amounts[i]}`,
    });
  }
  const ids = answers.map((a) => (a.body.refund as RefundView).id);
  expect(new Set(ids).size).toBe(8);
  const order = (await t.getOrder(orderId)).body as { refunds: RefundView[] };
  expect(order.refunds.map((r) => r.id).sort()).toEqual([...ids].sort());
  const emails = await until(
    () => refundEmails(orderId),
    (list) => list.length >= 8,
  );
  expect(emails.map((e) => /Goodwill (\d\.\d\d)/.exec(e.text)?.[1]).sort()).toEqual(amounts);
});

test("a reason with control characters is refused (400 INVALID_REASON) for a refund, a cancellation and an erasure; nothing is stored", async () => {
  const orderId = await confirmedOrder();
  const bad = ["Broken\u0000zip", "Colour \u001b[31mred", "two\nlines"];
  for (const reason of bad) {
    const refund = await call(
      "POST",
      `/orders/${orderId}/refunds`,
      staff,
      { amount: "1.00", reason },
      `refund-${randomUUID()}`,
    );
    const cancel = await call("POST", `/orders/${orderId}/cancel`, t.token, { reason });
    const customerId = (await t.orderRecord(orderId))!.customerId!;
    const erasure = await call("POST", `/customers/${customerId}/erasure`, staff, { reason });
    for (const answer of [refund, cancel, erasure]) {
      expect([answer.status, (answer.body.error as { code: string }).code]).toEqual([400, "INVALID_REASON"]);
    }
  }
  const record = (await t.orderRecord(orderId))!;
  expect(record).toMatchObject({ status: "CONFIRMED" });
  expect(record.refunds).toBeUndefined();
  expect(record.refundedTotal ?? 0).toBe(0);
  // A reason that is one line of text is taken.
  expect(
    (await call("POST", `/orders/${orderId}/cancel`, t.token, { reason: "Ordered the wrong size" })).status,
  ).toBe(200);
});

test("an erasure is not an order: not logged as placed, not counted by the meter", async () => {
  const email = `meter.${randomUUID().slice(0, 8)}@example.com`;
  const token = await issue(email);
  await confirmedOrder(token, "SKU-1001", 1);
  const before = (await (await fetch(`${t.system.url}/_local/meter`)).json()) as { orders: number };
  const linesBefore = runtimeLines.length;
  expect((await call("DELETE", "/me", token)).status).toBe(202);
  const after = (await (await fetch(`${t.system.url}/_local/meter`)).json()) as { orders: number };
  expect(after.orders).toBe(before.orders);
  const since = runtimeLines.slice(linesBefore).join("\n");
  expect(since).not.toMatch(/order \S+ placed/);
});

test("erased, signed up again: a new customer id that reads none of the erased orders; each erasure refuses every earlier token", async () => {
  const email = `again.${randomUUID().slice(0, 8)}@example.com`;
  const first = await issue(email);
  const erasedOrder = await confirmedOrder(first, "SKU-1001", 1);
  const firstId = (await t.orderRecord(erasedOrder))!.customerId;
  expect((await call("DELETE", "/me", first)).status).toBe(202);
  expect((await call("GET", "/orders", first)).status).toBe(401);

  const signUp = await fetch(`${t.system.url}/_local/token`, {
    method: "POST",
    body: JSON.stringify({ email }),
  });
  const { idToken: second, customerId: secondId } = (await signUp.json()) as {
    idToken: string;
    customerId: string;
  };
  expect(secondId).not.toBe(firstId);
  expect(await call("GET", "/orders", second)).toMatchObject({ status: 200, body: { orders: [] } });
  expect((await call("GET", `/orders/${erasedOrder}`, second)).status).toBe(404);
  expect((await call("GET", "/me/data", second)).body).toMatchObject({ orders: [] });

  await confirmedOrder(second, "SKU-1001", 1);
  expect((await call("DELETE", "/me", second)).status).toBe(202);
  expect((await call("GET", "/orders", second)).status).toBe(401);
  const third = await issue(email);
  expect(await call("GET", "/orders", third)).toMatchObject({ status: 200, body: { orders: [] } });
});

test("the 3-D Secure client secret: shown to the owner, never to staff, never in a log line", async () => {
  const placed = await t.placeOrder(
    { paymentToken: "tok_threeDSecureRequired", items: [{ productId: "SKU-1002", quantity: 1 }] },
    `k-${randomUUID()}`,
  );
  const orderId = String(placed.body.orderId);
  const record = await until(
    () => t.orderRecord(orderId),
    (o) => Boolean(o?.paymentTaskToken),
  );
  const secret = record!.payment!.clientSecret!;
  expect(secret).toContain("_secret_");
  expect((await t.getOrder(orderId)).body).toMatchObject({
    paymentAction: { type: "authenticate", clientSecret: secret },
  });
  expect((await t.listOrders()).body.orders).toContainEqual(
    expect.objectContaining({ orderId, paymentAction: { type: "authenticate", clientSecret: secret } }),
  );
  const asStaff = await call("GET", `/orders/${orderId}`, staff);
  expect(asStaff.status).toBe(200);
  expect(asStaff.body).toMatchObject({ paymentStatus: "REQUIRES_ACTION" });
  expect(asStaff.body).not.toHaveProperty("paymentAction");
  expect(JSON.stringify(asStaff.body)).not.toContain(secret);

  await fetch(`${t.system.url}/_local/payments/complete`, {
    method: "POST",
    body: JSON.stringify({ orderId, outcome: "succeeded" }),
  });
  await t.waitForFinalStatus(orderId);
  // The functions did log this order (so the assertion below reads real lines), and never the secret.
  expect(logged.filter((line) => line.includes(orderId)).length).toBeGreaterThan(3);
  expect(logged.join("\n")).not.toContain(secret);
  expect(runtimeLines.join("\n")).not.toContain(secret);
});
