import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { gatewayFromEnvironment, handler } from "../../../lambdas/process-payment/handler";
import { SimulatedPaymentGateway } from "../../../lambdas/shared/adapters/simulated-payment-gateway";
import { context, ORDER_ID } from "../../support/events";
import { orderRecord } from "../../support/orders";

const dynamo = mockClient(DynamoDBDocumentClient);
const charge = { action: "charge", orderId: ORDER_ID, amountMinor: 9948, currency: "USD" };

function withOrder(overrides: Parameters<typeof orderRecord>[0], attempt = 1) {
  dynamo.on(GetCommand).resolves({ Item: orderRecord({ status: "PROCESSING", ...overrides }) });
  dynamo.on(UpdateCommand, { UpdateExpression: "ADD paymentAttempts :one SET updatedAt = :now" }).resolves({
    Attributes: { paymentAttempts: attempt },
  });
}

beforeEach(() => {
  dynamo.reset();
  dynamo.on(UpdateCommand).resolves({});
});

test("tok_visa is charged once, with a charge id derived from the order, and recorded", async () => {
  withOrder({});
  const result = await handler(charge, context);
  expect(result).toEqual({
    orderId: ORDER_ID,
    status: "CHARGED",
    chargeId: expect.stringMatching(/^ch_[0-9a-f]{24}$/),
    amountMinor: 9948,
  });
  const again = await new SimulatedPaymentGateway().charge({
    orderId: ORDER_ID,
    amountMinor: 9948,
    currency: "USD",
    paymentToken: "tok_visa",
    attempt: 1,
  });
  expect(again.chargeId).toBe((result as { chargeId: string }).chargeId);
  expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
    UpdateExpression: "SET payment = :payment, updatedAt = :now",
    ExpressionAttributeValues: expect.objectContaining({
      ":payment": {
        status: "CHARGED",
        chargeId: (result as { chargeId: string }).chargeId,
        amountMinor: 9948,
      },
    }),
  });
});

test.each([
  ["tok_chargeDeclined", "The card was declined."],
  ["tok_insufficientFunds", "The card was declined: insufficient funds."],
])(
  "%s is a PaymentDeclined business error and nothing is recorded as charged",
  async (paymentToken, message) => {
    withOrder({ paymentToken });
    await expect(handler(charge, context)).rejects.toMatchObject({ name: "PaymentDeclined", message });
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: "SET payment = :payment, updatedAt = :now",
    });
  },
);

test("tok_processingError fails transiently on the first attempt and succeeds on the retry", async () => {
  withOrder({ paymentToken: "tok_processingError" }, 1);
  await expect(handler(charge, context)).rejects.toMatchObject({ name: "PaymentGatewayUnavailable" });
  withOrder({ paymentToken: "tok_processingError" }, 2);
  await expect(handler(charge, context)).resolves.toMatchObject({ status: "CHARGED" });
});

test("a retried step after a successful charge never charges twice", async () => {
  withOrder({ payment: { status: "CHARGED", chargeId: "ch_existing", amountMinor: 9948 } });
  const result = await handler(charge, context);
  expect(result).toEqual({
    orderId: ORDER_ID,
    status: "CHARGED",
    chargeId: "ch_existing",
    amountMinor: 9948,
  });
  expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
});

test("refund: a charged order is refunded and recorded", async () => {
  withOrder({ payment: { status: "CHARGED", chargeId: "ch_1", amountMinor: 500 } });
  const result = await handler({ action: "refund", orderId: ORDER_ID }, context);
  expect(result).toEqual({ orderId: ORDER_ID, status: "REFUNDED", refundId: expect.stringMatching(/^re_/) });
  expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
    ConditionExpression: "attribute_exists(payment)",
    ExpressionAttributeValues: expect.objectContaining({ ":refunded": "REFUNDED" }),
  });
});

test("refund: a replayed refund returns the first refund", async () => {
  withOrder({ payment: { status: "REFUNDED", chargeId: "ch_1", amountMinor: 500, refundId: "re_1" } });
  await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    status: "REFUNDED",
    refundId: "re_1",
  });
  expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
});

test("refund: an order that was never charged has nothing to refund", async () => {
  withOrder({});
  await expect(handler({ action: "refund", orderId: ORDER_ID }, context)).resolves.toEqual({
    orderId: ORDER_ID,
    status: "NOTHING_TO_REFUND",
  });
});

test("the gateway is configured from the environment, with clear errors", () => {
  expect(gatewayFromEnvironment({ SIMULATED_GATEWAY_TRANSIENT_FAILURES: "3" })).toBeInstanceOf(
    SimulatedPaymentGateway,
  );
  expect(() => gatewayFromEnvironment({ PAYMENT_GATEWAY: "stripe" })).toThrow(/not supported/);
  expect(() => gatewayFromEnvironment({ SIMULATED_GATEWAY_TRANSIENT_FAILURES: "-1" })).toThrow(
    /whole number/,
  );
});
