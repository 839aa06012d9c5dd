/** ProcessPayment through createHandler with the in-memory order store and a counting gateway. */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import {
  createHandler,
  gatewaysFromEnvironment,
  stripeSecretKey,
} from "../../../lambdas/process-payment/handler";
import { StripePaymentGateway } from "../../../lambdas/payments/adapters/stripe-payment-gateway";
import { SimulatedPaymentGateway } from "../../../lambdas/payments/adapters/simulated-payment-gateway";
import type { OrderRecord } from "../../../lambdas/orders/order";
import { context, ORDER_ID } from "../../support/events";
import { CountingGateway, InMemoryOrderStore } from "../../support/fakes";
import { orderRecord } from "../../support/orders";

const lines = [
  {
    productId: "SKU-1001",
    name: "Classic Cotton T-Shirt",
    quantity: 2,
    unitPriceMinor: 1999,
    lineTotalMinor: 3998,
  },
  { productId: "SKU-1002", name: "Slim Fit Jeans", quantity: 1, unitPriceMinor: 5950, lineTotalMinor: 5950 },
];
const charge = { action: "charge", orderId: ORDER_ID, amountMinor: 9948, currency: "USD", lines };

function withOrder(overrides: Partial<OrderRecord>) {
  const orders = new InMemoryOrderStore([orderRecord({ status: "PROCESSING", ...overrides })]);
  const gateway = new CountingGateway(new SimulatedPaymentGateway({ transientFailures: 1 }));
  return { orders, gateway, handler: createHandler({ orders, gateway }) };
}

test("tok_visa is charged once, with a charge id derived from the order, and recorded", async () => {
  const { orders, gateway, handler } = withOrder({});
  const result = await handler(charge, context);
  expect(result).toEqual({
    orderId: ORDER_ID,
    status: "CHARGED",
    chargeId: expect.stringMatching(/^ch_[0-9a-f]{24}$/),
    amountMinor: 9948,
  });
  const { chargeId } = result as { chargeId: string };
  expect(gateway.charges).toEqual([
    { orderId: ORDER_ID, amountMinor: 9948, currency: "USD", paymentToken: "tok_visa", attempt: 1 },
  ]);
  // The gateway's idempotency: the same order yields the same charge.
  const again = await new SimulatedPaymentGateway().charge({ ...gateway.charges[0] });
  expect(again.chargeId).toBe(chargeId);
  expect((await orders.get(ORDER_ID))?.payment).toEqual({
    status: "CHARGED",
    chargeId,
    amountMinor: 9948,
    provider: "simulated",
  });
});

test.each([
  ["tok_chargeDeclined", "PaymentDeclined", "The card was declined."],
  ["tok_insufficientFunds", "InsufficientFunds", "The card was declined: insufficient funds."],
])("%s is a %s business error and nothing is recorded as charged", async (paymentToken, name, message) => {
  const { orders, gateway, handler } = withOrder({ paymentToken });
  await expect(handler(charge, context)).rejects.toMatchObject({ name, message });
  expect(gateway.charges).toHaveLength(1);
  expect((await orders.get(ORDER_ID))?.payment).toBeUndefined();
});

test("tok_processingError fails transiently on the first attempt and succeeds on the retry", async () => {
  const { orders, gateway, handler } = withOrder({ paymentToken: "tok_processingError" });
  await expect(handler(charge, context)).rejects.toMatchObject({ name: "PaymentGatewayUnavailable" });
  expect((await orders.get(ORDER_ID))?.payment).toBeUndefined();
  await expect(handler(charge, context)).resolves.toMatchObject({ status: "CHARGED" });
  expect(gateway.charges.map((c) => c.attempt)).toEqual([1, 2]);
});

test("a retried step after a successful charge never charges twice", async () => {
  const { gateway, handler } = withOrder({
    payment: { status: "CHARGED", chargeId: "ch_existing", amountMinor: 9948 },
  });
  const result = await handler(charge, context);
  expect(result).toEqual({
    orderId: ORDER_ID,
    status: "CHARGED",
    chargeId: "ch_existing",
    amountMinor: 9948,
  });
  expect(gateway.charges).toEqual([]);
});

test("opening the payment records the priced order as PROCESSING in the same write as the attempt", async () => {
  const { orders, handler } = withOrder({ status: "PENDING" });
  await handler(charge, context);
  expect(await orders.get(ORDER_ID)).toMatchObject({
    status: "PROCESSING",
    lines,
    totalMinor: 9948,
    currency: "USD",
    paymentAttempts: 1,
  });
});

test.each(["CONFIRMED", "FAILED"] as const)(
  "a second run of a %s order's workflow is OrderAlreadyFinished and charges nothing",
  async (status) => {
    const { orders, gateway, handler } = withOrder({ status });
    await expect(handler(charge, context)).rejects.toMatchObject({ name: "OrderAlreadyFinished" });
    expect(gateway.charges).toEqual([]);
    expect((await orders.get(ORDER_ID))?.status).toBe(status);
  },
);

test("a payment another run refunded is never charged again", async () => {
  const { orders, gateway, handler } = withOrder({
    payment: { status: "REFUNDED", chargeId: "ch_1", amountMinor: 9948, refundId: "re_1" },
  });
  await expect(handler(charge, context)).rejects.toMatchObject({ name: "PaymentAlreadySettled" });
  expect(gateway.charges).toEqual([]);
  expect((await orders.get(ORDER_ID))?.payment).toMatchObject({ status: "REFUNDED" });
});

test("the same charge step run three times charges once", async () => {
  const { gateway, handler } = withOrder({});
  const results = [
    await handler(charge, context),
    await handler(charge, context),
    await handler(charge, context),
  ];
  expect(new Set(results.map((r) => (r as { chargeId: string }).chargeId)).size).toBe(1);
  expect(gateway.charges).toHaveLength(1);
});

test("refund: a charged order is refunded and recorded", async () => {
  const { orders, gateway, handler } = withOrder({
    payment: { status: "CHARGED", chargeId: "ch_1", amountMinor: 500 },
  });
  const result = await handler({ action: "refund", orderId: ORDER_ID }, context);
  expect(result).toEqual({ orderId: ORDER_ID, status: "REFUNDED", refundId: expect.stringMatching(/^re_/) });
  expect(gateway.refunds).toEqual([{ orderId: ORDER_ID, chargeId: "ch_1", amountMinor: 500 }]);
  expect((await orders.get(ORDER_ID))?.payment).toEqual({
    status: "REFUNDED",
    chargeId: "ch_1",
    amountMinor: 500,
    refundId: (result as { refundId: string }).refundId,
  });
});

test("refund: a replayed refund returns the first refund", async () => {
  const { gateway, handler } = withOrder({
    payment: { status: "REFUNDED", chargeId: "ch_1", amountMinor: 500, refundId: "re_1" },
  });
  await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    status: "REFUNDED",
    refundId: "re_1",
  });
  expect(gateway.refunds).toEqual([]);
});

test("refund: an order that was never charged has nothing to refund", async () => {
  const { gateway, handler } = withOrder({});
  await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    status: "NOTHING_TO_REFUND",
  });
  expect(gateway.refunds).toEqual([]);
});

test("an order that does not exist is OrderNotFound, and nothing is charged", async () => {
  const { gateway, handler } = withOrder({});
  await expect(
    handler({ ...charge, orderId: "6f1c8e0d-2a4b-5c3d-8e9f-0a1b2c3d4e5f" }, context),
  ).rejects.toMatchObject({
    name: "OrderNotFound",
  });
  expect(gateway.charges).toEqual([]);
});

test("the gateway is configured from the environment, with clear errors", () => {
  const simulated = gatewaysFromEnvironment({ SIMULATED_GATEWAY_TRANSIENT_FAILURES: "3" });
  expect(simulated.current).toBe("simulated");
  expect(Object.keys(simulated.gateways)).toEqual(["simulated"]);
  expect(simulated.gateways.simulated).toBeInstanceOf(SimulatedPaymentGateway);

  const stripe = gatewaysFromEnvironment({
    PAYMENT_GATEWAY: "stripe",
    STRIPE_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:shop/stripe/secret-key-AbCdEf",
  });
  expect(stripe.current).toBe("stripe");
  expect(stripe.gateways.stripe).toBeInstanceOf(StripePaymentGateway);
  // What the simulated gateway charged before a switch to Stripe can still be refunded.
  expect(stripe.gateways.simulated).toBeInstanceOf(SimulatedPaymentGateway);

  expect(() => gatewaysFromEnvironment({ PAYMENT_GATEWAY: "stripe" })).toThrow(
    "PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_ARN, the secret holding Stripe's key.",
  );
  expect(() => gatewaysFromEnvironment({ PAYMENT_GATEWAY: "paypal" })).toThrow(
    "PAYMENT_GATEWAY=paypal is not one of simulated, stripe.",
  );
  expect(() => gatewaysFromEnvironment({ SIMULATED_GATEWAY_TRANSIENT_FAILURES: "-1" })).toThrow(
    /whole number/,
  );
});

describe("which provider", () => {
  const stripeCharged = {
    status: "CHARGED",
    chargeId: "pi_1",
    amountMinor: 500,
    provider: "stripe",
  } as const;

  test("a refund goes to the provider that charged the order, not to the current one", async () => {
    const orders = new InMemoryOrderStore([
      orderRecord({
        status: "PROCESSING",
        payment: { status: "CHARGED", chargeId: "ch_1", amountMinor: 500 },
      }),
    ]);
    const simulated = new CountingGateway(new SimulatedPaymentGateway());
    const stripe = new CountingGateway(new SimulatedPaymentGateway());
    Object.defineProperty(stripe, "provider", { value: "stripe" });
    const handler = createHandler({ orders, current: "stripe", gateways: { simulated, stripe } });
    await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).resolves.toMatchObject({
      status: "REFUNDED",
    });
    // Recorded before providers were: the simulated gateway charged it.
    expect(simulated.refunds).toHaveLength(1);
    expect(stripe.refunds).toEqual([]);
  });

  test("a Stripe charge cannot be refunded by a deployment switched back to simulated: it says so", async () => {
    const orders = new InMemoryOrderStore([orderRecord({ status: "PROCESSING", payment: stripeCharged })]);
    const handler = createHandler({ orders, gateway: new SimulatedPaymentGateway() });
    await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).rejects.toMatchObject({
      name: "PaymentProviderUnavailable",
      message: expect.stringContaining("refund it in stripe by hand"),
    });
    expect((await orders.get(ORDER_ID))?.payment).toEqual(stripeCharged);
  });
});

describe("the Stripe secret key", () => {
  const secrets = mockClient(SecretsManagerClient);
  const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:unit/stripe/secret-key-AbCdEf";
  afterEach(() => secrets.reset());

  test("is read from Secrets Manager once, then served from the cache", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: "sk_test_unit\n" });
    await expect(stripeSecretKey(arn)).resolves.toBe("sk_test_unit");
    await expect(stripeSecretKey(arn)).resolves.toBe("sk_test_unit");
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test("a secret nobody filled in is PaymentGatewayMisconfigured, naming the secret", async () => {
    const empty = `${arn}-empty`;
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret value"), {
      name: "ResourceNotFoundException",
    });
    secrets.on(GetSecretValueCommand, { SecretId: empty }).rejects(notFound);
    await expect(stripeSecretKey(empty)).rejects.toMatchObject({
      name: "PaymentGatewayMisconfigured",
      message: `The Stripe secret key is not set: put it into the secret ${empty} (README: Payments).`,
    });
  });

  test("an unreachable Secrets Manager is DependencyUnavailable, which the workflow retries", async () => {
    const away = `${arn}-away`;
    secrets
      .on(GetSecretValueCommand, { SecretId: away })
      .rejects(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }));
    await expect(stripeSecretKey(away)).rejects.toMatchObject({ name: "DependencyUnavailable" });
  });
});
