/**
 * A customer's personal data, end to end on the local runtime: their export (orders, e-mails,
 * suppression), their erasure (orders keep the books and lose the address, keys go, a suppressed
 * address stays suppressed as a hash only, the account's tokens are refused, an order still on its
 * way finishes without the address and without an e-mail), repeated erasures answer the same, and
 * no function logs the address anywhere along the way.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { randomUUID } from "node:crypto";
import { suppressionKeyOf } from "../../lambdas/email/customer-emails";
import { idempotencyKeyHash } from "../../lambdas/platform/ids";
import type { CapturedEmail } from "../../local/ses/email";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

/** A known address: the probe that must never appear in a log line. */
const PROBE = `pii.probe.${randomUUID().slice(0, 8)}@example.com`;
const logged: string[] = [];

let t: TestSystem;
let token: string;
beforeAll(async () => {
  t = await startTestSystem({ onHandlerLog: (_group, text) => logged.push(text) });
  token = await t.tokenFor(PROBE);
});
afterAll(() => t?.stop());

const call = async (method: string, path: string, auth: string, body?: unknown) => {
  const answer = await fetch(`${t.system.url}${path}`, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: answer.status,
    headers: answer.headers,
    body: (await answer.json()) as Record<string, unknown>,
  };
};

const emailsAbout = async (orderId: string) =>
  (
    (await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] }
  ).emails.filter((e) => e.subject.includes(orderId));

/**
 * Waits until the order's workflow ended and its customer e-mail was handled (not settled(): another
 * order of this test waits for 3-D Secure meanwhile).
 */
async function ended(orderId: string): Promise<void> {
  const handled = (status?: string) => status !== undefined && status !== "SENDING";
  await waitFor(
    () => t.orderRecord(orderId),
    (o) =>
      (o?.status === "CONFIRMED" && handled(o.confirmationEmail?.status)) ||
      (o?.status === "FAILED" && handled(o.failureEmail?.status)),
  );
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("export, then erasure that keeps the books: the address goes everywhere, the money stays, nothing logs it", async () => {
  const place = async (paymentToken: string, key: string) =>
    String(
      (await t.placeOrder({ paymentToken, items: [{ productId: "SKU-1004", quantity: 1 }] }, key, token)).body
        .orderId,
    );
  const confirmed = await place("tok_visa", `k-${randomUUID()}`);
  const declined = await place("tok_chargeDeclined", `k-${randomUUID()}`);
  const waitingKey = `k-${randomUUID()}`;
  const waiting = await place("tok_threeDSecureRequired", waitingKey);
  await ended(confirmed);
  await ended(declined);
  await waitFor(
    () => t.orderRecord(waiting),
    (o) => Boolean(o?.paymentTaskToken),
  );
  await fetch(`${t.system.url}/_local/emails/bounce`, {
    method: "POST",
    body: JSON.stringify({ email: PROBE }),
  });

  // The export: every order as the API shows it, the e-mails sent (no bodies), the suppression.
  const exported = await call("GET", "/me/data", token);
  expect(exported.status).toBe(200);
  expect(exported.headers.get("Content-Disposition")).toMatch(/^attachment; filename="order-system-data-/);
  const orders = exported.body.orders as { orderId: string; status: string; total: number }[];
  expect(orders.map((o) => o.orderId).sort()).toEqual([confirmed, declined, waiting].sort());
  expect(exported.body).toMatchObject({ customer: { email: PROBE }, emailSuppressed: true });
  expect(exported.body.emails).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ orderId: confirmed, kind: "confirmation", status: "SENT" }),
      expect.objectContaining({ orderId: declined, kind: "failure", status: "SENT" }),
    ]),
  );
  const before = await Promise.all([confirmed, declined, waiting].map((id) => t.orderRecord(id)));

  // Someone else (not staff) may not erase them.
  const stranger = await t.tokenFor(`someone.${randomUUID().slice(0, 6)}@example.com`);
  const refused = await call("POST", `/customers/${before[0]!.customerId}/erasure`, stranger, {
    reason: "x",
  });
  expect([refused.status, (refused.body.error as { code: string }).code]).toEqual([403, "STAFF_ONLY"]);

  const erased = await call("DELETE", "/me", token);
  expect(erased.status).toBe(202);
  expect(erased.body).toMatchObject({ requestId: expect.any(String), orders: 3 });

  // The books: every order keeps its amounts, items, status and payment; the address is gone.
  for (const [i, orderId] of [confirmed, declined, waiting].entries()) {
    const after = (await t.orderRecord(orderId))!;
    expect(after.customerEmail).toBe("[erased]");
    expect(after.idempotencyKey).toBeUndefined();
    expect(after).toMatchObject({
      totalMinor: before[i]!.totalMinor,
      items: before[i]!.items,
      currency: before[i]!.currency,
      createdAt: before[i]!.createdAt,
    });
  }
  const raw = new DynamoDBClient({
    endpoint: t.system.dynamoDbEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const keyHash = idempotencyKeyHash(waitingKey, before[0]!.customerId);
  const key = await raw.send(
    new GetItemCommand({ TableName: t.system.tables.orderKeys, Key: { keyHash: { S: keyHash } } }),
  );
  expect(key.Item).toBeUndefined();

  // Their token is refused from now on; staff asking again get the same request id.
  expect((await call("GET", "/orders", token)).status).toBe(401);
  const staffToken = await (
    await fetch(`${t.system.url}/_local/token`, {
      method: "POST",
      headers: { Accept: "text/plain" },
      body: JSON.stringify({ email: "support@shop.example.com", groups: ["staff"] }),
    })
  ).text();
  const again = await call("POST", `/customers/${before[0]!.customerId}/erasure`, staffToken, {
    reason: "Customer asked by e-mail",
  });
  expect(again).toMatchObject({ status: 202, body: { requestId: erased.body.requestId } });

  // The in-flight order finishes without the address coming back, and nobody is mailed.
  const completed = await fetch(`${t.system.url}/_local/payments/complete`, {
    method: "POST",
    body: JSON.stringify({ orderId: waiting, outcome: "succeeded" }),
  });
  expect(completed.status).toBe(202);
  await ended(waiting);
  await t.system.settled();
  expect((await t.orderRecord(waiting))!.customerEmail).toBe("[erased]");
  expect((await emailsAbout(waiting)).filter((e) => e.subject.includes("confirmed"))).toEqual([]);

  // The suppression list keeps the address's hash only: still suppressed, not readable.
  const suppressed = (
    (await raw.send(new ScanCommand({ TableName: t.system.tables.emailSuppression }))).Items ?? []
  ).map((item) => unmarshall(item).email as string);
  raw.destroy();
  expect(suppressed).toContain(suppressionKeyOf(PROBE));
  expect(suppressed.join("\n")).not.toContain(PROBE);

  // Not one function logged the address, nor its local part (their metrics are log lines too), and
  // neither the workflow's executions (inputs, every step's output) nor any SNS notification holds it.
  expect(logged.length).toBeGreaterThan(20);
  // The executions as Step Functions keeps them: each input and output (every step's result).
  const executions = await (await fetch(`${t.system.url}/_local/executions`)).text();
  expect(executions).toContain('\\"status\\":\\"CHARGED\\"');
  const notifications = await (await fetch(`${t.system.url}/_local/notifications`)).text();
  for (const text of [logged.join("\n"), executions, notifications]) {
    expect(text).not.toContain(PROBE);
    expect(text).not.toContain(PROBE.split("@")[0]);
  }
});
