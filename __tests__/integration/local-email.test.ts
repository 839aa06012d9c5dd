/**
 * Customer e-mail end to end on the local runtime: OrderSuccessHandler's bundle sends through its SES
 * adapter to the local SES twin, which renders the deployed templates and keeps what it would send.
 */
import { startTestSystem, type TestSystem } from "../support/local-system";
import type { CapturedEmail } from "../../local/ses/email";

jest.setTimeout(90_000);

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem();
});
afterAll(() => t.stop());

const emails = async (): Promise<CapturedEmail[]> =>
  ((await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] }).emails;
const emailsAbout = async (orderId: string) => (await emails()).filter((e) => e.subject.includes(orderId));

async function place(productId: string, quantity: number, paymentToken = "tok_visa", token?: string) {
  const placed = await t.placeOrder({ paymentToken, items: [{ productId, quantity }] }, undefined, token);
  expect(placed.status).toBe(202);
  return String(placed.body.orderId);
}

test("a confirmed order: exactly one e-mail to the customer, with the right total", async () => {
  const orderId = await place("SKU-1003", 2);
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED", total: 178 });
  const [email, ...others] = await emailsAbout(orderId);
  expect(others).toEqual([]);
  expect(email).toMatchObject({
    from: "orders@store.localhost",
    to: ["buyer@example.com"],
    template: "local-order-confirmation",
    subject: `Your order ${orderId} is confirmed`,
  });
  expect(email.text).toContain("- 2 x Merino Wool Sweater (SKU-1003) at 89.00 USD = 178.00 USD");
  expect(email.text).toContain("Total: 178.00 USD");
  expect(email.html).toContain("<strong>178.00 USD</strong>");
  expect((await t.orderRecord(orderId))?.confirmationEmail).toMatchObject({
    status: "SENT",
    messageId: email.messageId,
  });
});

test("a declined order: one e-mail saying so in a customer's words", async () => {
  const orderId = await place("SKU-1005", 1, "tok_chargeDeclined");
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "FAILED" });
  const sent = await emailsAbout(orderId);
  expect(sent.map((e) => e.subject)).toEqual([`We could not complete your order ${orderId}`]);
  expect(sent[0].text).toContain("Your card was declined. No money was taken. Please try another card.");
  expect(sent[0].text).not.toMatch(/PaymentDeclined|declined\.$/m);
});

test("50 concurrent orders: 50 confirmation e-mails, one per order", async () => {
  const before = (await emails()).length;
  const orderIds = await Promise.all(Array.from({ length: 50 }, () => place("SKU-1008", 1)));
  await Promise.all(orderIds.map((id) => t.waitForFinalStatus(id, 60_000)));
  await t.system.settled();
  const sent = (await emails()).slice(before);
  expect(sent).toHaveLength(50);
  expect(new Set(sent.map((e) => e.subject))).toEqual(
    new Set(orderIds.map((id) => `Your order ${id} is confirmed`)),
  );
});

test("a bounced address is suppressed: its next order is confirmed but not mailed", async () => {
  const token = await t.tokenFor("bouncy@example.com");
  const bounced = await fetch(`${t.system.url}/_local/emails/bounce`, {
    method: "POST",
    body: JSON.stringify({ email: "Bouncy@Example.com" }),
  });
  expect(bounced.status).toBe(200);
  await expect(bounced.json()).resolves.toEqual({ email: "Bouncy@Example.com", suppressed: true });
  const orderId = await place("SKU-1005", 1, "tok_visa", token);
  // Another customer's order: read as that customer.
  for (let i = 0; i < 400 && (await t.getOrder(orderId, token)).body.status !== "CONFIRMED"; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  await t.system.settled();
  expect((await t.getOrder(orderId, token)).body.status).toBe("CONFIRMED");
  expect(await emailsAbout(orderId)).toEqual([]);
  expect((await t.orderRecord(orderId))?.confirmationEmail).toMatchObject({ status: "SUPPRESSED" });

  const refused = await fetch(`${t.system.url}/_local/emails/bounce`, { method: "POST", body: "{}" });
  expect(refused.status).toBe(400);
  await expect(refused.json()).resolves.toMatchObject({ error: { code: "INVALID_EMAIL" } });
});

test("--customer-emails off: orders complete, nobody is mailed, and the record says so", async () => {
  const off = await startTestSystem({ customerEmails: "off" });
  try {
    const placed = await off.placeOrder({
      paymentToken: "tok_visa",
      items: [{ productId: "SKU-1001", quantity: 1 }],
    });
    const orderId = String(placed.body.orderId);
    await expect(off.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
    const listed = (await (await fetch(`${off.system.url}/_local/emails`)).json()) as { emails: unknown[] };
    expect(listed.emails).toEqual([]);
    expect((await off.orderRecord(orderId))?.confirmationEmail).toMatchObject({ status: "OFF" });
  } finally {
    await off.stop();
  }
});
