/**
 * Payments that wait for the customer, end to end on the local runtime, with both gateways: the
 * workflow pauses at AwaitPaymentOutcome, the owner's GET shows what the storefront needs, and the
 * provider's event (the simulated one through POST /_local/payments/complete; Stripe's signed events
 * from the stand-in through POST /webhooks/stripe) resumes it. Stock is taken only once the money is
 * certain; a payment whose wait ends is canceled.
 */
import type { CapturedEmail } from "../../local/ses/email";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { startStripeStandIn, stripeErrors, type StripeStandIn } from "../support/stripe-stand-in";

jest.setTimeout(60_000);

const WEBHOOK_SECRET = "whsec_local_payment_outcomes";
const order = (paymentToken: string, productId = "SKU-1003") => ({
  paymentToken,
  items: [{ productId, quantity: 1 }],
});

async function placed(t: TestSystem, paymentToken: string, productId?: string): Promise<string> {
  const answer = await t.placeOrder(order(paymentToken, productId));
  expect(answer.status).toBe(202);
  return String(answer.body.orderId);
}

/** The owner's view once the payment waits (the step is AwaitPaymentOutcome). */
async function waiting(t: TestSystem, orderId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    // The record first: once it holds the token, the API's answer read after it shows the wait.
    const record = await t.orderRecord(orderId);
    const { body } = await t.getOrder(orderId);
    if (record?.paymentTaskToken) return body;
    if (Date.now() > deadline) throw new Error(`Order ${orderId} never waited: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const complete = (t: TestSystem, body: unknown) =>
  fetch(`${t.system.url}/_local/payments/complete`, { method: "POST", body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
  );

const emailsAbout = async (t: TestSystem, orderId: string) =>
  (
    (await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] }
  ).emails.filter((e) => e.subject.includes(orderId));

describe("the simulated gateway", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem({ paymentActionTimeoutSeconds: 3 });
  });
  afterAll(() => t?.stop());

  test("3-D Secure: the order waits (REQUIRES_ACTION with the client secret, stock untouched), authenticated → CONFIRMED", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "tok_threeDSecureRequired");
    const view = await waiting(t, orderId);
    expect(view).toMatchObject({
      status: "PROCESSING",
      paymentStatus: "REQUIRES_ACTION",
      paymentAction: { type: "authenticate", clientSecret: expect.stringContaining("_secret_") },
    });
    expect(await t.stockOf("SKU-1003")).toBe(stock);
    const answer = await complete(t, { orderId, outcome: "succeeded" });
    expect(answer).toMatchObject({ status: 202, body: { orderId, outcome: "succeeded", result: "applied" } });
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "CHARGED",
    });
    expect(await t.stockOf("SKU-1003")).toBe(stock - 1);
    // Settled: the action is gone, and another "complete" is refused.
    expect((await t.getOrder(orderId)).body).not.toHaveProperty("paymentAction");
    expect(await complete(t, { orderId, outcome: "failed" })).toMatchObject({
      status: 409,
      body: { error: { code: "PAYMENT_NOT_WAITING" } },
    });
  });

  test("authentication failed → FAILED with a reason for the customer, e-mailed; nothing reserved, the payment canceled", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "tok_threeDSecureRequired");
    await waiting(t, orderId);
    expect((await complete(t, { orderId, outcome: "failed" })).status).toBe(202);
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({
      status: "FAILED",
      failureCode: "PaymentFailed",
      failureReason: "The card's authentication (3-D Secure) failed.",
    });
    expect((await t.orderRecord(orderId))?.payment?.status).toBe("CANCELED");
    expect(await t.stockOf("SKU-1003")).toBe(stock);
    const deadline = Date.now() + 5000;
    while ((await emailsAbout(t, orderId)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await emailsAbout(t, orderId))[0]?.text).toContain(
      "authentication (3-D Secure) failed, or your bank declined",
    );
  });

  test("no outcome within --payment-action-timeout → the payment is canceled, FAILED as not completed, stock unchanged", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "tok_processing");
    expect(await waiting(t, orderId)).toMatchObject({ paymentStatus: "PROCESSING" });
    await expect(t.waitForFinalStatus(orderId, 15_000)).resolves.toMatchObject({
      status: "FAILED",
      failureCode: "PaymentActionTimedOut",
      failureReason: "The payment authentication was not completed in time.",
    });
    expect((await t.orderRecord(orderId))?.payment?.status).toBe("CANCELED");
    expect(await t.stockOf("SKU-1003")).toBe(stock);
  });

  test("staff refund part of a confirmed order through the API (the staff group's token); a customer may not", async () => {
    const orderId = await placed(t, "tok_visa");
    await t.waitForFinalStatus(orderId);
    const refund = async (token: string, amount: string) => {
      const answer = await fetch(`${t.system.url}/orders/${orderId}/refunds`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: token,
          "Idempotency-Key": `r-${amount}`,
        },
        body: JSON.stringify({ amount, reason: "Scratched" }),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    const staff = await (
      await fetch(`${t.system.url}/_local/token`, {
        method: "POST",
        headers: { Accept: "text/plain" },
        body: JSON.stringify({ email: "support@shop.example.com", groups: ["staff"] }),
      })
    ).text();
    expect(await refund(t.token, "1.00")).toMatchObject({
      status: 403,
      body: { error: { code: "STAFF_ONLY" } },
    });
    expect(await refund(staff, "1.00")).toMatchObject({
      status: 201,
      body: { refundedTotal: 1, paymentStatus: "PARTIALLY_REFUNDED" },
    });
    expect((await t.getOrder(orderId)).body).toMatchObject({
      paymentStatus: "PARTIALLY_REFUNDED",
      refunds: [{ amount: 1, reason: "Scratched" }],
      refundedTotal: 1,
    });
    // The console's journey shows the audit trail.
    const journey = (await (await fetch(`${t.system.url}/_local/journey?orderId=${orderId}`)).json()) as {
      order: { refunds?: { amount: number; reason: string }[] };
    };
    expect(journey.order.refunds).toEqual([expect.objectContaining({ amount: 1, reason: "Scratched" })]);
    // The customer is told, through the refund's own template.
    const told = (await emailsAbout(t, orderId)).filter((e) => e.subject.startsWith("We refunded"));
    expect(told.map((e) => e.subject)).toEqual([`We refunded 1.00 USD on your order ${orderId}`]);
    expect(told[0].text).toContain("(Scratched)");
  });

  const staffToken = async () =>
    (
      await fetch(`${t.system.url}/_local/token`, {
        method: "POST",
        headers: { Accept: "text/plain" },
        body: JSON.stringify({ email: "support@shop.example.com", groups: ["staff"] }),
      })
    ).text();
  const post = async (token: string, orderId: string, what: "cancel" | "shipment", body?: unknown) => {
    const answer = await fetch(`${t.system.url}/orders/${orderId}/${what}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: token },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };
  const journeyOf = async (orderId: string) =>
    (await (await fetch(`${t.system.url}/_local/journey?orderId=${orderId}`)).json()) as {
      executions: { status: string; steps: { state: string; error?: string }[] }[];
    };

  test("the owner cancels while 3-D Secure waits: the payment is canceled, the wait ends with OrderCancelled, no stock, one e-mail", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "tok_threeDSecureRequired");
    await waiting(t, orderId);
    expect(await post(t.token, orderId, "cancel", { reason: "Changed my mind" })).toMatchObject({
      status: 200,
      body: { status: "CANCELLED", paymentStatus: "CANCELED", cancellation: { reason: "Changed my mind" } },
    });
    const deadline = Date.now() + 10_000;
    let execution = (await journeyOf(orderId)).executions.at(-1);
    while (execution?.status === "RUNNING" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      execution = (await journeyOf(orderId)).executions.at(-1);
    }
    // Ended by the cancellation, not by the wait's timeout; the order stays CANCELLED, never FAILED.
    expect(execution?.steps.find((s) => s.state === "AwaitPaymentOutcome")?.error).toBe("OrderCancelled");
    expect(execution?.status).toBe("SUCCEEDED");
    expect((await t.orderRecord(orderId))?.status).toBe("CANCELLED");
    expect(await t.stockOf("SKU-1003")).toBe(stock);
    const emails = await emailsAbout(t, orderId);
    expect(emails.map((e) => e.subject)).toEqual([`Your order ${orderId} is cancelled`]);
    expect(emails[0].text).toContain("No money was taken.");
  });

  test("a confirmed order: the owner cancels (refunded whole, stock back); another ships (tracking e-mailed) and then cannot be cancelled", async () => {
    const staff = await staffToken();
    const stock = await t.stockOf("SKU-1001");
    const cancelled = await placed(t, "tok_visa", "SKU-1001");
    await t.waitForFinalStatus(cancelled);
    expect(await t.stockOf("SKU-1001")).toBe(stock - 1);
    expect(await post(t.token, cancelled, "cancel")).toMatchObject({
      status: 200,
      body: { status: "CANCELLED", paymentStatus: "REFUNDED", refunds: [{ by: expect.any(String) }] },
    });
    expect(await t.stockOf("SKU-1001")).toBe(stock);

    const shipped = await placed(t, "tok_visa", "SKU-1001");
    await t.waitForFinalStatus(shipped);
    const shipment = { carrier: "UPS", trackingNumber: "1Z999AA10123456784" };
    expect((await post(t.token, shipped, "shipment", shipment)).status).toBe(403);
    expect(await post(staff, shipped, "shipment", shipment)).toMatchObject({
      status: 201,
      body: { status: "SHIPPED", shipment },
    });
    expect(await post(t.token, shipped, "cancel")).toMatchObject({
      status: 409,
      body: { error: { code: "ORDER_ALREADY_SHIPPED" } },
    });
    const emails = await emailsAbout(t, shipped);
    expect(emails.map((e) => e.subject)).toEqual([
      `Your order ${shipped} is confirmed`,
      `Your order ${shipped} is on its way`,
    ]);
    expect(emails[1].text).toContain("Tracking number: 1Z999AA10123456784");
  });

  test("the simulated provider's dashboard: a refund made there and a dispute reach the order; the dispute pages CriticalAlertsTopic", async () => {
    const orderId = await placed(t, "tok_visa", "SKU-1001");
    await t.waitForFinalStatus(orderId);
    const local = (path: string, body: unknown) =>
      fetch(`${t.system.url}/_local/payments/${path}`, { method: "POST", body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
      );
    expect(await local("refund", { orderId, amount: "2.00", reason: "goodwill" })).toMatchObject({
      status: 202,
      body: { result: "applied", refundId: expect.stringMatching(/^re_simulated_/) },
    });
    expect(await local("dispute", { orderId, status: "needs_response" })).toMatchObject({ status: 202 });
    const view = (await t.getOrder(orderId)).body;
    expect(view).toMatchObject({
      paymentStatus: "PARTIALLY_REFUNDED",
      refunds: [{ amount: 2, by: "provider", reason: "Refunded at the provider (goodwill)" }],
      dispute: { status: "needs_response", reason: "fraudulent", evidenceDueBy: expect.any(String) },
    });
    const published = (await (await fetch(`${t.system.url}/_local/notifications`)).json()) as {
      notifications: { topic: string; subject: string }[];
    };
    expect(published.notifications).toContainEqual(
      expect.objectContaining({
        topic: "CriticalAlertsTopic",
        subject: expect.stringContaining(`Order ${orderId} disputed`),
      }),
    );
    expect(await local("dispute", { orderId, status: "won" })).toMatchObject({ status: 202 });
    expect((await t.getOrder(orderId)).body).toMatchObject({ dispute: { status: "won" } });
    expect(await local("refund", { orderId: "nope", amount: "1" })).toMatchObject({ status: 400 });
    expect(await local("refund", { orderId, amount: "-1" })).toMatchObject({ status: 400 });
  });

  test("reconciliation: a clean run finds nothing; planted mismatches of each kind are each found once", async () => {
    const reconcile = async () => {
      const answer = await fetch(`${t.system.url}/_local/reconcile-payments`, { method: "POST" });
      expect(answer.status).toBe(200);
      return (await answer.json()) as {
        checked: number;
        findings: { kind: string; orderId: string | null; paymentId: string | null; detail: string }[];
      };
    };
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await placed(t, "tok_visa", "SKU-1001"));
    for (const orderId of orders) await t.waitForFinalStatus(orderId);
    // In the same window: an order the saga refunded itself (its stock gone while the customer
    // authenticated, so the reservation after the charge fails and the compensation refunds it).
    const compensated = await placed(t, "tok_threeDSecureRequired", "SKU-1009");
    await waiting(t, compensated);
    await t.setStock("SKU-1009", 0);
    await complete(t, { orderId: compensated, outcome: "succeeded" });
    await expect(t.waitForFinalStatus(compensated)).resolves.toMatchObject({
      status: "FAILED",
      paymentStatus: "REFUNDED",
    });
    await t.setStock("SKU-1009", 100);
    await t.system.settled();
    // Everything every test of this system did so far (refunds, cancellations, 3-D Secure) adds up.
    const clean = await reconcile();
    expect(clean.findings).toEqual([]);
    expect(clean.checked).toBeGreaterThanOrEqual(orders.length * 2);

    const books = t.system.paymentBooks!;
    const chargeOf = async (orderId: string) => String((await t.orderRecord(orderId))?.payment?.chargeId);
    const stranger = "0d6f1c8e-2a4b-4c3d-8e9f-00000000dead";
    books.plantCharge({ chargeId: "ch_planted", orderId: stranger, amountMinor: 500, currency: "USD" });
    books.alterCharge(await chargeOf(orders[0]), 1);
    books.alterCharge(await chargeOf(orders[1]), 0);
    books.refundedOutside(orders[2], "re_planted", 150);
    const found = (await reconcile()).findings;
    expect(found.map((f) => [f.kind, f.orderId]).sort()).toEqual(
      [
        ["amount-mismatch", orders[0]],
        ["charge-without-order", stranger],
        ["order-without-charge", orders[1]],
        ["refund-mismatch", orders[2]],
      ].sort(),
    );
    expect(found.find((f) => f.kind === "refund-mismatch")?.detail).toBe(
      "The provider refunded 1.50 USD; the order records 0.00 USD.",
    );
  });

  test("POST /_local/payments/complete refuses a bad body, an unknown order and one that does not wait", async () => {
    expect(await complete(t, { orderId: "nope", outcome: "succeeded" })).toMatchObject({
      status: 400,
      body: { error: { code: "INVALID_BODY" } },
    });
    expect(
      await complete(t, { orderId: "00000000-0000-4000-8000-000000000000", outcome: "succeeded" }),
    ).toMatchObject({ status: 404, body: { error: { code: "ORDER_NOT_FOUND" } } });
    const paid = await placed(t, "tok_visa");
    await t.waitForFinalStatus(paid);
    expect(await complete(t, { orderId: paid, outcome: "succeeded" })).toMatchObject({ status: 409 });
  });
});

describe("Stripe (the stand-in's signed events through POST /webhooks/stripe)", () => {
  let standIn: StripeStandIn;
  let t: TestSystem;
  const logged: string[] = [];
  beforeAll(async () => {
    standIn = await startStripeStandIn({ webhookSecret: WEBHOOK_SECRET });
    t = await startTestSystem({
      onHandlerLog: (_group, text) => logged.push(text),
      paymentProvider: "stripe",
      stripeSecretKey: "sk_test_local_outcomes",
      stripeWebhookSecret: WEBHOOK_SECRET,
      stripeApiBase: standIn.url,
      paymentActionTimeoutSeconds: 3,
    });
  });
  afterAll(async () => {
    await t?.stop();
    await standIn?.stop();
  });
  const webhookUrl = () => `${t.system.url}/webhooks/stripe`;
  const intentOf = async (orderId: string) => String((await t.orderRecord(orderId))?.payment?.chargeId);

  test("a refund made in Stripe's Dashboard: charge.refunded is read back from Stripe and recorded once; a dispute pages", async () => {
    const orderId = await placed(t, "pm_card_visa", "SKU-1001");
    await t.waitForFinalStatus(orderId);
    const intent = await intentOf(orderId);
    const outside = standIn.refundOutside(intent, 300);
    const refunded = { id: `ch_${intent}`, object: "charge", payment_intent: intent, amount_refunded: 300 };
    const event = {
      id: `evt_refunded_${orderId.slice(0, 8)}`,
      object: "event",
      type: "charge.refunded",
      data: { object: refunded },
    };
    expect(await standIn.sendEvent(webhookUrl(), event)).toMatchObject({
      status: 200,
      body: { result: "applied" },
    });
    expect(await standIn.sendEvent(webhookUrl(), event)).toMatchObject({ status: 200 });
    expect((await t.getOrder(orderId)).body).toMatchObject({
      paymentStatus: "PARTIALLY_REFUNDED",
      refunds: [{ id: outside, amount: 3, by: "provider" }],
    });
    const disputed = {
      id: `evt_dispute_${orderId.slice(0, 8)}`,
      object: "event",
      type: "charge.dispute.created",
      data: {
        object: {
          id: `du_${orderId.slice(0, 8)}`,
          object: "dispute",
          charge: `ch_${intent}`,
          payment_intent: intent,
          amount: 1999,
          reason: "product_not_received",
          status: "needs_response",
          evidence_details: { due_by: Math.floor(Date.now() / 1000) + 7 * 86400 },
        },
      },
    };
    expect(await standIn.sendEvent(webhookUrl(), disputed)).toMatchObject({
      status: 200,
      body: { result: "applied" },
    });
    expect((await t.getOrder(orderId)).body).toMatchObject({
      dispute: { status: "needs_response", reason: "product_not_received", amount: 19.99 },
    });
  });

  test("events for a payment Stripe does not know are acknowledged (200, logged); Stripe unreachable answers 503 so it retries", async () => {
    const unknown = (type: string, id: string) => ({
      id,
      object: "event",
      type,
      data:
        type === "charge.refunded"
          ? { object: { id: "ch_legacy1", object: "charge", payment_intent: "pi_legacy1" } }
          : {
              object: {
                id: "du_legacy1",
                object: "dispute",
                charge: "ch_legacy1",
                payment_intent: "pi_legacy1",
                amount: 500,
                reason: "fraudulent",
                status: "needs_response",
              },
            },
    });
    for (const type of ["charge.refunded", "charge.dispute.created", "charge.dispute.updated"]) {
      expect(await standIn.sendEvent(webhookUrl(), unknown(type, `evt_unknown_${type}`))).toEqual({
        status: 200,
        body: { received: true, result: "unknown-payment" },
      });
    }
    expect(standIn.requestsTo("GET /v1/payment_intents/pi_legacy1").length).toBeGreaterThanOrEqual(3);
    expect(logged.join("\n")).toContain("Event for a payment the provider does not know");

    // Stripe down (past the SDK's own retry): a 5xx that says so, and the event applies when resent.
    const orderId = await placed(t, "pm_card_visa", "SKU-1001");
    await t.waitForFinalStatus(orderId);
    const intent = await intentOf(orderId);
    const outside = standIn.refundOutside(intent, 200);
    const event = {
      id: `evt_unreachable_${orderId.slice(0, 8)}`,
      object: "event",
      type: "charge.refunded",
      data: { object: { id: `ch_${intent}`, object: "charge", payment_intent: intent } },
    };
    standIn.script(`GET /v1/payment_intents/${intent}`, stripeErrors.apiError(), stripeErrors.apiError());
    expect(await standIn.sendEvent(webhookUrl(), event)).toMatchObject({
      status: 503,
      body: { error: { code: "PAYMENT_PROVIDER_UNAVAILABLE" } },
    });
    standIn.clearScripts();
    expect(logged.join("\n")).toContain("The provider could not be reached to read the payment back");
    expect(await standIn.sendEvent(webhookUrl(), event)).toMatchObject({
      status: 200,
      body: { result: "applied" },
    });
    expect((await t.getOrder(orderId)).body).toMatchObject({ refunds: [{ id: outside, by: "provider" }] });
  });

  test("a dispute event that changes nothing the order holds answers no-change, and pages nobody", async () => {
    const orderId = await placed(t, "pm_card_visa", "SKU-1001");
    await t.waitForFinalStatus(orderId);
    const intent = await intentOf(orderId);
    const disputeEvent = (id: string, type: string, status: string) => ({
      id,
      object: "event",
      type,
      data: {
        object: {
          id: `du_same_${orderId.slice(0, 8)}`,
          object: "dispute",
          charge: `ch_${intent}`,
          payment_intent: intent,
          amount: 1999,
          reason: "fraudulent",
          status,
        },
      },
    });
    const send = (id: string, type: string, status: string) =>
      standIn.sendEvent(webhookUrl(), disputeEvent(`${id}_${orderId.slice(0, 8)}`, type, status));
    expect((await send("evt_d1", "charge.dispute.created", "needs_response")).body).toMatchObject({
      result: "applied",
    });
    expect((await send("evt_d2", "charge.dispute.updated", "needs_response")).body).toMatchObject({
      result: "no-change",
    });
    expect((await send("evt_d3", "charge.dispute.updated", "under_review")).body).toMatchObject({
      result: "applied",
    });
    expect((await send("evt_d4", "charge.dispute.closed", "won")).body).toMatchObject({ result: "applied" });
    expect((await send("evt_d5", "charge.dispute.updated", "under_review")).body).toMatchObject({
      result: "no-change",
    });
    expect((await t.getOrder(orderId)).body).toMatchObject({ dispute: { status: "won" } });
    const published = (await (await fetch(`${t.system.url}/_local/notifications`)).json()) as {
      notifications: { subject: string }[];
    };
    const pages = published.notifications.filter((n) => n.subject.includes(`Order ${orderId} disputed`));
    expect(pages).toHaveLength(1);
  });

  test("authenticated: Stripe's signed payment_intent.succeeded → CONFIRMED; the same event again has no second effect", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "pm_card_authenticationRequired");
    expect(await waiting(t, orderId)).toMatchObject({
      paymentStatus: "REQUIRES_ACTION",
      paymentAction: { type: "authenticate", clientSecret: expect.stringMatching(/^pi_\w+_secret_/) },
    });
    const event = standIn.authenticate(await intentOf(orderId), "succeeded");
    expect(await standIn.sendEvent(webhookUrl(), event)).toEqual({
      status: 200,
      body: { received: true, result: "applied" },
    });
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
    // Answered from the event's record (Powertools Idempotency, loaded with the first event): the
    // first delivery's answer, not a second attempt that finds the payment already settled.
    expect(await standIn.sendEvent(webhookUrl(), event)).toEqual({
      status: 200,
      body: { received: true, result: "applied" },
    });
    expect(await t.stockOf("SKU-1003")).toBe(stock - 1);
    expect((await t.orderRecord(orderId))?.payment?.status).toBe("CHARGED");
  });

  test("a forged and a stale signature: 400, nothing changed; the order still waits", async () => {
    const orderId = await placed(t, "pm_card_authenticationRequired");
    await waiting(t, orderId);
    const event = standIn.authenticate(await intentOf(orderId), "succeeded");
    const forged = await standIn.sendEvent(webhookUrl(), event, { secret: "whsec_forger" });
    const stale = await standIn.sendEvent(webhookUrl(), event, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    for (const answer of [forged, stale]) {
      expect(answer).toMatchObject({ status: 400, body: { error: { code: "INVALID_SIGNATURE" } } });
    }
    expect((await t.getOrder(orderId)).body).toMatchObject({
      status: "PROCESSING",
      paymentStatus: "REQUIRES_ACTION",
    });
    // The genuine event still settles it.
    expect((await standIn.sendEvent(webhookUrl(), event)).status).toBe(200);
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
  });

  test("authentication failed → FAILED, the PaymentIntent canceled at Stripe", async () => {
    const orderId = await placed(t, "pm_card_authenticationRequired");
    await waiting(t, orderId);
    const intent = await intentOf(orderId);
    await standIn.sendEvent(webhookUrl(), standIn.authenticate(intent, "failed"));
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({
      status: "FAILED",
      failureCode: "PaymentFailed",
      failureReason: "The card's authentication (3-D Secure) failed.",
    });
    expect(standIn.intents.get(intent)).toMatchObject({ status: "canceled" });
  });

  test("timeout: the PaymentIntent is canceled at Stripe (once), the order FAILED, stock unchanged", async () => {
    const stock = await t.stockOf("SKU-1003");
    const orderId = await placed(t, "pm_card_authenticationRequired");
    await waiting(t, orderId);
    await expect(t.waitForFinalStatus(orderId, 15_000)).resolves.toMatchObject({
      status: "FAILED",
      failureCode: "PaymentActionTimedOut",
    });
    const intent = await intentOf(orderId);
    expect(standIn.intents.get(intent)).toMatchObject({ status: "canceled" });
    expect(standIn.requestsTo(`POST /v1/payment_intents/${intent}/cancel`)).toHaveLength(1);
    expect(await t.stockOf("SKU-1003")).toBe(stock);
  });
});
