/**
 * ProcessPayment's side of a payment that does not settle at once, against a real DynamoDB
 * (dynalite): a charge the customer must authenticate is recorded pending (with the client secret
 * for the owner), a retried step answers the same, and a wait that ends without the money cancels
 * the payment, or refunds it when it settled meanwhile.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createHandler } from "../../lambdas/process-payment/handler";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { DynamoDbPaymentRecords } from "../../lambdas/payments/adapters/dynamodb-payment-records";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import { orderView, type OrderRecord } from "../../lambdas/orders/order";
import type { PaymentGateway } from "../../lambdas/payments/ports";
import { context } from "../support/events";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { CountingGateway } from "../support/fakes";
import { orderRecord } from "../support/orders";

jest.setTimeout(30_000);

let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const lines = [
  { productId: "SKU-1001", name: "Shoes", quantity: 1, unitPriceMinor: 2500, lineTotalMinor: 2500 },
];
let sequence = 0;

async function system(paymentToken: string, inner: PaymentGateway = new SimulatedPaymentGateway()) {
  const orderId = `1d6f1c8e-2a4b-4c3d-8e9f-${String(++sequence).padStart(12, "0")}`;
  await database.client.send(
    new PutCommand({
      TableName: database.tables.orders,
      Item: orderRecord({ orderId, status: "PENDING", paymentToken }),
    }),
  );
  const orders = new DynamoDbOrderStore(database.client, database.tables.orders);
  const payments = new DynamoDbPaymentRecords(database.client, database.tables.orders);
  const gateway = new CountingGateway(inner);
  const handler = createHandler({ orders, payments, gateway });
  const charge = { action: "charge", orderId, amountMinor: 2500, currency: "USD", lines };
  const read = async () => (await orders.get(orderId)) as OrderRecord;
  return { orderId, handler, gateway, charge, read, payments };
}

test("a card asking for 3-D Secure: recorded REQUIRES_ACTION with the client secret for the owner; a retried step charges nothing more", async () => {
  const { orderId, handler, gateway, charge, read } = await system("tok_threeDSecureRequired");
  const result = await handler(charge, context);
  expect(result).toEqual({
    orderId,
    status: "REQUIRES_ACTION",
    chargeId: expect.stringMatching(/^ch_/),
    amountMinor: 2500,
  });
  const order = await read();
  expect(order.payment).toMatchObject({
    status: "REQUIRES_ACTION",
    provider: "simulated",
    clientSecret: expect.stringContaining("_secret_"),
    pendingSince: expect.any(String),
  });
  expect(orderView(order, true)).toMatchObject({
    status: "PROCESSING",
    paymentStatus: "REQUIRES_ACTION",
    paymentAction: { type: "authenticate", clientSecret: order.payment!.clientSecret },
  });
  // Only the owner's view carries the client secret.
  expect(orderView(order)).not.toHaveProperty("paymentAction");
  expect(await handler(charge, context)).toEqual(result);
  expect(gateway.charges).toHaveLength(1);
});

test("a payment still processing: recorded PROCESSING, no action for the customer", async () => {
  const { handler, charge, read } = await system("tok_processing");
  expect(await handler(charge, context)).toMatchObject({ status: "PROCESSING" });
  const view = orderView(await read());
  expect(view).toMatchObject({ paymentStatus: "PROCESSING" });
  expect(view).not.toHaveProperty("paymentAction");
});

test("the wait ended (timed out): the payment is canceled at the provider, once, and recorded CANCELED", async () => {
  const { orderId, handler, gateway, charge, read } = await system("tok_threeDSecureRequired");
  await handler(charge, context);
  const cancel = { action: "cancel", orderId, reason: "PaymentActionTimedOut" };
  expect(await handler(cancel, context)).toEqual({ orderId, status: "CANCELED" });
  expect(await handler(cancel, context)).toEqual({ orderId, status: "CANCELED" });
  expect(gateway.cancels).toHaveLength(1);
  expect(gateway.refunds).toEqual([]);
  expect((await read()).payment).toMatchObject({
    status: "CANCELED",
    failureMessage: "The payment authentication was not completed.",
  });
});

test("the customer authenticated as the wait ended (the outcome recorded first): refunded, never kept", async () => {
  const { orderId, handler, gateway, charge, read, payments } = await system("tok_threeDSecureRequired");
  const { chargeId } = (await handler(charge, context)) as { chargeId: string };
  await payments.recordOutcome(orderId, chargeId, { status: "CHARGED" });
  expect(await handler({ action: "cancel", orderId }, context)).toMatchObject({ status: "REFUNDED" });
  expect(gateway.cancels).toEqual([]);
  expect(gateway.refunds).toEqual([{ orderId, chargeId, amountMinor: 2500 }]);
  expect((await read()).payment).toMatchObject({ status: "REFUNDED", refundId: expect.any(String) });
});

test("the provider says it settled before the cancel arrived: recorded CHARGED, then refunded", async () => {
  const settled: PaymentGateway = Object.assign(new SimulatedPaymentGateway(), {
    cancel: async () => ({ status: "succeeded" as const }),
  });
  const { orderId, handler, gateway, charge, read } = await system("tok_processing", settled);
  await handler(charge, context);
  expect(await handler({ action: "cancel", orderId }, context)).toMatchObject({ status: "REFUNDED" });
  expect(gateway.refunds).toHaveLength(1);
  expect((await read()).payment?.status).toBe("REFUNDED");
});

test("a compensation refund of a payment that never settled cancels it instead of refunding", async () => {
  const { orderId, handler, gateway, charge } = await system("tok_processing");
  await handler(charge, context);
  expect(await handler({ action: "refund", orderId }, context)).toEqual({ orderId, status: "CANCELED" });
  expect(gateway.refunds).toEqual([]);
});
