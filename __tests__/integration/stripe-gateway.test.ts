/**
 * The Stripe adapter through Stripe's own SDK, against a stand-in for the Stripe API: the exact
 * requests the SDK sends (paths, form fields, Idempotency-Key, Stripe-Version) and how each Stripe
 * answer maps to the workflow's errors.
 */
import {
  idempotencyKeys,
  STRIPE_API_VERSION,
  StripePaymentGateway,
} from "../../lambdas/payments/adapters/stripe-payment-gateway";
import { BusinessError, TransientError } from "../../lambdas/platform/errors";
import type { ChargeRequest } from "../../lambdas/payments/ports";
import {
  startStripeStandIn,
  STRIPE_TEST_REFUSALS,
  stripeErrors,
  type StripeStandIn,
} from "../support/stripe-stand-in";

const KEY = "sk_test_standin_0123456789";
let standIn: StripeStandIn;
let sequence = 0;

beforeAll(async () => {
  standIn = await startStripeStandIn();
});
afterAll(() => standIn.stop());

const gateway = (key = KEY, apiBase = standIn.url) =>
  new StripePaymentGateway({ secretKey: async () => key, apiBase, timeoutMs: 2000 });

/** A fresh order id per test: the stand-in keeps its idempotency keys for the whole file. */
function chargeRequest(paymentToken: string, overrides: Partial<ChargeRequest> = {}): ChargeRequest {
  sequence += 1;
  return {
    orderId: `0b7a9c52-0000-4000-8000-${String(sequence).padStart(12, "0")}`,
    amountMinor: 9948,
    currency: "USD",
    paymentToken,
    attempt: 1,
    ...overrides,
  };
}

const forOrder = (route: string, orderId: string) =>
  standIn.requestsTo(route).filter((r) => r.idempotencyKey?.includes(orderId));

describe("charge", () => {
  test("a test PaymentMethod (pm_card_visa) becomes one confirmed PaymentIntent, sent as the SDK sends it", async () => {
    const request = chargeRequest("pm_card_visa");
    const { chargeId } = await gateway().charge(request);

    const [sent, ...more] = forOrder("POST /v1/payment_intents", request.orderId);
    expect(more).toEqual([]);
    expect(sent.form).toEqual({
      amount: "9948",
      currency: "usd",
      confirm: "true",
      payment_method: "pm_card_visa",
      "allowed_payment_method_types[0]": "card",
      "metadata[orderId]": request.orderId,
      description: `Order ${request.orderId}`,
      use_stripe_sdk: "true",
    });
    expect(sent.idempotencyKey).toBe(idempotencyKeys.charge(request.orderId));
    expect(sent.stripeVersion).toBe(STRIPE_API_VERSION);
    expect(sent.authorization).toBe(`Bearer ${KEY}`);
    // The charge id the order keeps is the PaymentIntent's.
    expect(chargeId).toMatch(/^pi_/);
    expect(standIn.charges.get(chargeId)).toMatchObject({
      amount: 9948,
      metadata: { orderId: request.orderId },
    });
    // No token to convert: no PaymentMethod was created.
    expect(forOrder("POST /v1/payment_methods", request.orderId)).toEqual([]);
  });

  test("a card token (tok_visa) is turned into a PaymentMethod first, under its own key", async () => {
    const request = chargeRequest("tok_visa");
    const { chargeId } = await gateway().charge(request);
    const [method] = forOrder("POST /v1/payment_methods", request.orderId);
    expect(method.form).toEqual({ type: "card", "card[token]": "tok_visa" });
    expect(method.idempotencyKey).toBe(idempotencyKeys.paymentMethod(request.orderId));
    const [intent] = forOrder("POST /v1/payment_intents", request.orderId);
    expect(intent.form.payment_method).toBe("pm_from_tok_visa");
    expect(standIn.charges.has(chargeId)).toBe(true);
  });

  test("the same charge retried (a retried step) sends the same Idempotency-Key and charges once", async () => {
    const request = chargeRequest("pm_card_visa");
    const first = await gateway().charge(request);
    const again = await gateway().charge({ ...request, attempt: 2 });
    const sent = forOrder("POST /v1/payment_intents", request.orderId);
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(
      new Set([idempotencyKeys.charge(request.orderId)]),
    );
    expect(again).toEqual(first);
    expect(
      [...standIn.charges.values()].filter((c) => (c.metadata as Json).orderId === request.orderId),
    ).toHaveLength(1);
  });

  test("a 500 then success: the SDK's retry carries the same key, and the card is charged once", async () => {
    const request = chargeRequest("pm_card_visa");
    standIn.script("POST /v1/payment_intents", stripeErrors.apiError());
    const { chargeId } = await gateway().charge(request);
    const sent = forOrder("POST /v1/payment_intents", request.orderId);
    expect(sent.map((r) => r.idempotencyKey)).toEqual([
      idempotencyKeys.charge(request.orderId),
      idempotencyKeys.charge(request.orderId),
    ]);
    expect(standIn.charges.has(chargeId)).toBe(true);
    expect(chargesFor(request.orderId)).toBe(1);
  });

  test.each([
    ["api_error 500", stripeErrors.apiError],
    ["rate_limit 429", stripeErrors.rateLimit],
    ["idempotency_error 409 (the same key in flight)", stripeErrors.idempotencyInProgress],
  ])(
    "%s that outlasts the SDK's retry is PaymentGatewayUnavailable, retried later with the same key",
    async (_, failure) => {
      const request = chargeRequest("pm_card_visa");
      standIn.script("POST /v1/payment_intents", failure(), failure());
      const error = await gateway()
        .charge(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ name: "PaymentGatewayUnavailable" });
      expect(chargesFor(request.orderId)).toBe(0);
      // The SDK retries a 5xx or a 409 once, a 429 only when Stripe says to: drop what is left.
      standIn.clearScripts();
      // The workflow's Retry: same order, same key, one charge.
      await gateway().charge({ ...request, attempt: 2 });
      expect(
        new Set(forOrder("POST /v1/payment_intents", request.orderId).map((r) => r.idempotencyKey)).size,
      ).toBe(1);
      expect(chargesFor(request.orderId)).toBe(1);
    },
  );

  test("a Stripe that cannot be reached is PaymentGatewayUnavailable", async () => {
    const closed = await startStripeStandIn();
    await closed.stop();
    await expect(gateway(KEY, closed.url).charge(chargeRequest("pm_card_visa"))).rejects.toMatchObject({
      name: "PaymentGatewayUnavailable",
    });
  });

  test.each([
    ...STRIPE_TEST_REFUSALS,
    ["pm_unknown", "PaymentDeclined", "The payment method was not accepted (resource_missing)."] as const,
  ])("%s is the business error %s, sent once (never retried)", async (token, name, message) => {
    const request = chargeRequest(token);
    const error = await gateway()
      .charge(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusinessError);
    expect(error).toMatchObject({ name, message });
    expect(forOrder("POST /v1/payment_intents", request.orderId)).toHaveLength(1);
    expect(chargesFor(request.orderId)).toBe(0);
  });

  test("a decline code Stripe gives is kept in the error (do_not_honor)", async () => {
    const request = chargeRequest("pm_card_visa");
    standIn.script("POST /v1/payment_intents", {
      status: 402,
      body: {
        error: {
          type: "card_error",
          code: "card_declined",
          decline_code: "do_not_honor",
          message: "Declined",
        },
      },
    });
    await expect(gateway().charge(request)).rejects.toMatchObject({
      name: "PaymentDeclined",
      message: "The card was declined (do_not_honor).",
    });
  });

  test("a wrong key is PaymentGatewayMisconfigured, and the error never carries the key", async () => {
    const wrong = "sk_live_do_not_print_me_42";
    const error = (await gateway(wrong)
      .charge(chargeRequest("pm_card_visa"))
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: "PaymentGatewayMisconfigured" });
    expect(error).not.toBeInstanceOf(TransientError);
    expect(`${error.message} ${error.stack}`).not.toContain(wrong);
  });

  test("the same key with other parameters is refused, not retried (PaymentGatewayRejected)", async () => {
    const request = chargeRequest("pm_card_visa");
    await gateway().charge(request);
    await expect(gateway().charge({ ...request, amountMinor: 1 })).rejects.toMatchObject({
      name: "PaymentGatewayRejected",
    });
    expect(chargesFor(request.orderId)).toBe(1);
  });
});

describe("refund", () => {
  test("one Refund of the PaymentIntent, with a key derived from the order; a retried refund refunds once", async () => {
    const request = chargeRequest("pm_card_visa");
    const { chargeId } = await gateway().charge(request);
    const refund = { orderId: request.orderId, chargeId, amountMinor: request.amountMinor };
    standIn.script("POST /v1/refunds", stripeErrors.apiError(), stripeErrors.apiError());
    await expect(gateway().refund(refund)).rejects.toMatchObject({ name: "PaymentGatewayUnavailable" });
    const first = await gateway().refund(refund);
    const again = await gateway().refund(refund);
    expect(again).toEqual(first);
    const sent = forOrder("POST /v1/refunds", request.orderId);
    expect(sent).toHaveLength(4);
    for (const r of sent) {
      expect(r.idempotencyKey).toBe(idempotencyKeys.refund(request.orderId));
      expect(r.form).toEqual({ payment_intent: chargeId, "metadata[orderId]": request.orderId });
    }
    expect([...standIn.refunds.values()].filter((r) => r.payment_intent === chargeId)).toHaveLength(1);
  });

  test("a payment refunded outside the system (the Dashboard) is found, not refunded again", async () => {
    const request = chargeRequest("pm_card_visa");
    const { chargeId } = await gateway().charge(request);
    const outside = standIn.refundOutside(chargeId);
    await expect(
      gateway().refund({ orderId: request.orderId, chargeId, amountMinor: request.amountMinor }),
    ).resolves.toEqual({
      refundId: outside,
    });
    expect([...standIn.refunds.values()].filter((r) => r.payment_intent === chargeId)).toHaveLength(1);
  });

  test("describePayment reads the PaymentIntent's order and its refunds back, telling this system's from the Dashboard's", async () => {
    const request = chargeRequest("pm_card_visa");
    const { chargeId } = await gateway().charge(request);
    const ours = await gateway().refund({
      orderId: request.orderId,
      chargeId,
      amountMinor: 500,
      refundKey: "k1",
    });
    const outside = standIn.refundOutside(chargeId, 700);
    const described = (await gateway().describePayment(chargeId))!;
    expect(described.orderId).toBe(request.orderId);
    expect(described.refunds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ refundId: ours.refundId, madeByOrderSystem: true }),
        expect.objectContaining({
          refundId: outside,
          amountMinor: 700,
          status: "succeeded",
          reason: "requested_by_customer",
          madeByOrderSystem: false,
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        }),
      ]),
    );
    expect(standIn.requestsTo(`GET /v1/payment_intents/${chargeId}`)).toHaveLength(1);
  });

  test("listCharges lists the succeeded PaymentIntents since a moment with what was refunded on each (the reconciliation's books)", async () => {
    const since = new Date(Date.now() - 1000);
    const paid = chargeRequest("pm_card_visa");
    const { chargeId } = await gateway().charge(paid);
    await gateway().refund({ orderId: paid.orderId, chargeId, amountMinor: 400, refundKey: "r1" });
    const waiting = await gateway().charge(chargeRequest("pm_card_authenticationRequired"));
    const listed = await gateway().listCharges(since);
    expect(listed).toContainEqual({
      chargeId,
      orderId: paid.orderId,
      amountMinor: paid.amountMinor,
      currency: paid.currency.toLowerCase(),
      createdAt: expect.stringMatching(/^\d{4}-/),
      refundedMinor: expect.any(Number),
    });
    expect(listed.find((c) => c.chargeId === chargeId)?.refundedMinor).toBeGreaterThan(0);
    // Not settled: not in the books.
    expect(listed.map((c) => c.chargeId)).not.toContain(waiting.chargeId);
    // Nothing before `since`.
    expect(await gateway().listCharges(new Date(Date.now() + 60_000))).toEqual([]);
  });
});

type Json = Record<string, unknown>;

function chargesFor(orderId: string): number {
  return [...standIn.charges.values()].filter((c) => (c.metadata as Json).orderId === orderId).length;
}

describe("payments that do not settle at once", () => {
  test("3-D Secure (requires_action): a pending outcome with the client secret; use_stripe_sdk is asked for", async () => {
    const request = chargeRequest("pm_card_authenticationRequired");
    const outcome = await gateway().charge(request);
    expect(outcome).toEqual({
      status: "requires_action",
      chargeId: expect.stringMatching(/^pi_/),
      clientSecret: expect.stringMatching(/^pi_\w+_secret_/),
    });
    const [sent] = forOrder("POST /v1/payment_intents", request.orderId);
    expect(sent.form).toMatchObject({ confirm: "true", use_stripe_sdk: "true" });
  });

  test("processing: a pending outcome without an action", async () => {
    await expect(gateway().charge(chargeRequest("pm_card_processing"))).resolves.toEqual({
      status: "processing",
      chargeId: expect.stringMatching(/^pi_/),
    });
  });

  test("cancel: one cancel under a key derived from the order; canceled again is the same answer", async () => {
    const request = chargeRequest("pm_card_authenticationRequired");
    const { chargeId } = await gateway().charge(request);
    await expect(gateway().cancel({ orderId: request.orderId, chargeId })).resolves.toEqual({
      status: "canceled",
    });
    await expect(gateway().cancel({ orderId: request.orderId, chargeId })).resolves.toEqual({
      status: "canceled",
    });
    expect(standIn.intents.get(chargeId)).toMatchObject({
      status: "canceled",
      cancellation_reason: "abandoned",
    });
    const cancels = standIn.requestsTo(`POST /v1/payment_intents/${chargeId}/cancel`);
    expect(new Set(cancels.map((r) => r.idempotencyKey))).toEqual(
      new Set([idempotencyKeys.cancel(request.orderId)]),
    );
  });

  test("cancel after the customer authenticated: `succeeded`, for the caller to refund", async () => {
    const request = chargeRequest("pm_card_authenticationRequired");
    const { chargeId } = await gateway().charge(request);
    standIn.authenticate(chargeId, "succeeded");
    await expect(
      gateway().cancel({ orderId: `${request.orderId.slice(0, -1)}9`, chargeId }),
    ).resolves.toEqual({ status: "succeeded" });
  });
});
