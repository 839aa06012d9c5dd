/**
 * The saga end to end with payment_provider = stripe: the local runtime (`npm start --
 * --payment-provider stripe --stripe-api-base …`) charging through the bundled Stripe adapter, whose
 * key comes from the local Secrets Manager, against a stand-in for the Stripe API.
 */
import { idempotencyKeys } from "../../lambdas/payments/adapters/stripe-payment-gateway";
import { stripeSecretName } from "../../lambdas/payments/providers";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { freePort, runCli, startRuntime } from "../support/runtime-process";
import {
  startStripeStandIn,
  STRIPE_TEST_REFUSALS,
  stripeErrors,
  type StripeStandIn,
} from "../support/stripe-stand-in";

jest.setTimeout(60_000);

let standIn: StripeStandIn;
let t: TestSystem;
beforeAll(async () => {
  standIn = await startStripeStandIn();
  t = await startTestSystem({
    paymentProvider: "stripe",
    stripeSecretKey: "sk_test_local_saga",
    stripeApiBase: standIn.url,
  });
});
afterAll(async () => {
  await t?.stop();
  await standIn?.stop();
});

const order = (productId: string, paymentToken: string, quantity = 1) => ({
  paymentToken,
  items: [{ productId, quantity }],
});

async function place(body: ReturnType<typeof order>): Promise<string> {
  const placed = await t.placeOrder(body);
  expect(placed.status).toBe(202);
  return String(placed.body.orderId);
}

const intentRequests = (orderId: string) =>
  standIn.requestsTo("POST /v1/payment_intents").filter((r) => r.form["metadata[orderId]"] === orderId);
const chargesOf = (orderId: string) =>
  [...standIn.charges.values()].filter((c) => (c.metadata as { orderId: string }).orderId === orderId);

test("a good order is charged once through Stripe and confirmed; the order keeps the PaymentIntent and the provider", async () => {
  const orderId = await place(order("SKU-1005", "pm_card_visa", 2));
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({
    status: "CONFIRMED",
    paymentStatus: "CHARGED",
  });
  const [charge, ...others] = chargesOf(orderId);
  expect(others).toEqual([]);
  expect(charge).toMatchObject({ amount: 2 * 3499, currency: "usd" });
  expect((await t.orderRecord(orderId))?.payment).toEqual({
    status: "CHARGED",
    chargeId: charge.id,
    amountMinor: 2 * 3499,
    provider: "stripe",
  });
  const [sent] = intentRequests(orderId);
  expect(sent.authorization).toBe("Bearer sk_test_local_saga");
  expect(sent.idempotencyKey).toBe(idempotencyKeys.charge(orderId));
});

test("the console's form offers Stripe's test payment methods, not the simulated gateway's", async () => {
  const catalog = (await (await fetch(`${t.system.url}/_local/catalog`)).json()) as {
    testCards: { token: string }[];
  };
  const tokens = catalog.testCards.map((c) => c.token);
  expect(tokens).toEqual(expect.arrayContaining(["pm_card_visa", "pm_card_chargeDeclined"]));
  expect(tokens).not.toContain("tok_processingError");
});

test("the key is read from Secrets Manager once, not on every payment", async () => {
  const orderId = await place(order("SKU-1005", "tok_visa"));
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
  expect(t.system.secrets?.reads(stripeSecretName("local"))).toBe(1);
});

test.each(STRIPE_TEST_REFUSALS)(
  "%s fails the order as %s, without a retry and without a charge",
  async (token, code, reason) => {
    const orderId = await place(order("SKU-1007", token));
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "FAILED" });
    expect(await t.orderRecord(orderId)).toMatchObject({ failureCode: code, failureReason: reason });
    expect(intentRequests(orderId)).toHaveLength(1);
    expect(chargesOf(orderId)).toEqual([]);
  },
);

test("Stripe answering 500 (past the SDK's own retry) and then succeeding charges the card once", async () => {
  standIn.script("POST /v1/payment_intents", stripeErrors.apiError(), stripeErrors.apiError());
  const orderId = await place(order("SKU-1010", "pm_card_visa"));
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
  const sent = intentRequests(orderId);
  // The SDK's retry, then the workflow's: every one with the order's key.
  expect(sent.length).toBeGreaterThanOrEqual(3);
  expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([idempotencyKeys.charge(orderId)]));
  expect(chargesOf(orderId)).toHaveLength(1);
});

test("sold out after the charge: the refund happens exactly once, even when the refund step is retried", async () => {
  // Someone else takes the last units while this order is being charged.
  standIn.onRequest("POST /v1/payment_intents", () => t.setStock("SKU-1012", 0));
  // The refund fails past the SDK's retry once: the workflow retries the refund step.
  standIn.script("POST /v1/refunds", stripeErrors.apiError(), stripeErrors.apiError());
  const orderId = await place(order("SKU-1012", "pm_card_visa"));
  await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({
    status: "FAILED",
    paymentStatus: "REFUNDED",
  });
  standIn.onRequest("POST /v1/payment_intents", async () => undefined);

  const [charge] = chargesOf(orderId);
  const refunds = [...standIn.refunds.values()].filter((r) => r.payment_intent === charge.id);
  expect(refunds).toHaveLength(1);
  const refundRequests = standIn
    .requestsTo("POST /v1/refunds")
    .filter((r) => r.form["metadata[orderId]"] === orderId);
  expect(refundRequests.length).toBeGreaterThanOrEqual(3);
  expect(new Set(refundRequests.map((r) => r.idempotencyKey))).toEqual(
    new Set([idempotencyKeys.refund(orderId)]),
  );
  expect(await t.orderRecord(orderId)).toMatchObject({
    failureCode: "OutOfStock",
    payment: { status: "REFUNDED", chargeId: charge.id, refundId: refunds[0].id, provider: "stripe" },
  });
});

describe("npm start -- --payment-provider stripe", () => {
  const noKey = { STRIPE_SECRET_KEY: undefined, ORDER_SYSTEM_PAYMENT_PROVIDER: undefined };

  test.each([
    [
      "without a key",
      ["--payment-provider", "stripe"],
      noKey,
      "--payment-provider stripe needs a Stripe test-mode secret key in STRIPE_SECRET_KEY",
    ],
    [
      "with a live key",
      ["--payment-provider", "stripe"],
      { STRIPE_SECRET_KEY: "sk_live_not_on_a_laptop" },
      "STRIPE_SECRET_KEY must be a test-mode key",
    ],
    [
      "an unknown provider",
      ["--payment-provider", "paypal"],
      noKey,
      "--payment-provider must be one of simulated, stripe",
    ],
    [
      "a Stripe host without Stripe",
      ["--stripe-api-base", "http://127.0.0.1:1"],
      noKey,
      "--stripe-api-base needs --payment-provider stripe",
    ],
  ])("is refused %s, with exit code 2 and a readable message", async (_, args, env, message) => {
    const { code, output } = await runCli(args, env);
    expect(code).toBe(2);
    expect(output).toContain(message);
    // The key never appears in what the CLI prints.
    expect(output).not.toContain("sk_live_not_on_a_laptop");
  });

  test("charges through the given Stripe host with the key from STRIPE_SECRET_KEY", async () => {
    const runtime = await startRuntime({
      port: await freePort(),
      args: ["--payment-provider", "stripe", "--stripe-api-base", standIn.url],
      env: { STRIPE_SECRET_KEY: "sk_test_from_the_shell" },
    });
    try {
      expect(runtime.output()).toContain("Payments: Stripe (test mode, STRIPE_SECRET_KEY)");
      expect(runtime.output()).not.toContain("sk_test_from_the_shell");
      const token = await (
        await fetch(`${runtime.url}/_local/token`, {
          method: "POST",
          headers: { Accept: "text/plain" },
          body: JSON.stringify({ email: "shell@example.com" }),
        })
      ).text();
      const placed = await fetch(`${runtime.url}/orders`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: token },
        body: JSON.stringify(order("SKU-1008", "tok_visa")),
      });
      const { orderId } = (await placed.json()) as { orderId: string };
      let status = "PENDING";
      for (let i = 0; i < 200 && !["CONFIRMED", "FAILED"].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 50));
        const read = await fetch(`${runtime.url}/orders/${orderId}`, { headers: { Authorization: token } });
        status = ((await read.json()) as { status: string }).status;
      }
      expect(status).toBe("CONFIRMED");
      expect(intentRequests(orderId).map((r) => r.authorization)).toEqual(["Bearer sk_test_from_the_shell"]);
    } finally {
      runtime.child.kill("SIGTERM");
      await runtime.exited();
    }
  });
});
