/**
 * Cancelling and shipping (AfterSale) against a real DynamoDB (dynalite): every change is one
 * conditional write; a cancellation gives back exactly what the order took (payment and stock), once,
 * also when it races the workflow that is charging; shipping ends cancelling.
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createHandler } from "../../lambdas/after-sale/handler";
import { createHandler as createProcessPayment } from "../../lambdas/process-payment/handler";
import { createHandler as createUpdateInventory } from "../../lambdas/update-inventory/handler";
import { DynamoDbInventoryStore } from "../../lambdas/catalog/adapters/dynamodb-inventory-store";
import { DynamoDbOrderChanges } from "../../lambdas/orders/adapters/dynamodb-order-changes";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { DynamoDbPaymentRecords } from "../../lambdas/payments/adapters/dynamodb-payment-records";
import { DynamoDbRefundLedger } from "../../lambdas/payments/adapters/dynamodb-refund-ledger";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import type { OrderRecord, PaymentRecord } from "../../lambdas/orders/order";
import type { WorkflowCallbacks } from "../../lambdas/workflow/ports";
import {
  apiEvent,
  BUYER,
  context,
  OTHER_CUSTOMER,
  signedIn,
  STAFF_MEMBER,
  type TestCustomer,
} from "../support/events";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { CountingGateway, InMemorySuppressionList, PRODUCTS, RecordingMailer } from "../support/fakes";
import { orderRecord } from "../support/orders";

jest.setTimeout(30_000);

let database: TestDatabase;
let inventory: DynamoDbInventoryStore;
beforeAll(async () => {
  database = await startTestDatabase();
  inventory = new DynamoDbInventoryStore(database.client, database.tables.inventory, database.tables.orders, {
    movementsTable: database.tables.stockMovements,
    defaultThreshold: 5,
  });
  for (const product of PRODUCTS) await inventory.seedProduct({ ...product, stock: 1000 });
});
afterAll(async () => {
  await database?.close();
});

class RecordingCallbacks implements WorkflowCallbacks {
  readonly failed: { token: string; error: string }[] = [];
  async succeed(): Promise<"delivered" | "gone"> {
    return "delivered";
  }
  async fail(token: string, error: string): Promise<"delivered" | "gone"> {
    this.failed.push({ token, error });
    return "delivered";
  }
}

const ITEMS = [{ productId: "SKU-1001", quantity: 2 }];
const charged = (orderId: string): PaymentRecord => ({
  status: "CHARGED",
  chargeId: `ch_${orderId.slice(0, 8)}`,
  amountMinor: 3998,
  provider: "simulated",
});

async function stockOf(productId: string): Promise<number> {
  return (await inventory.getProducts([productId])).get(productId)!.stock;
}

/** An order as its workflow left it; `reserved` takes its stock for real first. */
async function system(order: Partial<OrderRecord> = {}, options: { reserved?: boolean } = {}) {
  const orderId = randomUUID();
  const { client, tables } = database;
  const status = order.status ?? "CONFIRMED";
  await client.send(
    new PutCommand({
      TableName: tables.orders,
      Item: orderRecord({
        orderId,
        customerId: BUYER.sub,
        items: ITEMS,
        totalMinor: 3998,
        currency: "USD",
        ...order,
        status: options.reserved ? "PROCESSING" : status,
      }),
    }),
  );
  if (options.reserved) {
    await inventory.reserveStock(orderId, ITEMS);
    await client.send(
      new UpdateCommand({
        TableName: tables.orders,
        Key: { orderId },
        UpdateExpression: "SET #s = :s",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":s": status },
      }),
    );
  }
  const gateway = new CountingGateway(new SimulatedPaymentGateway());
  const mailer = new RecordingMailer();
  const callbacks = new RecordingCallbacks();
  const orders = new DynamoDbOrderStore(client, tables.orders);
  const payments = new DynamoDbPaymentRecords(client, tables.orders);
  const handler = createHandler({
    orders,
    changes: new DynamoDbOrderChanges(client, tables.orders),
    refunds: new DynamoDbRefundLedger(client, tables.orders, tables.orderKeys),
    payments,
    inventory,
    callbacks,
    suppressions: new InMemorySuppressionList(),
    mailer,
    current: "simulated",
    gateways: { simulated: gateway },
  });
  const post = (what: "cancel" | "shipment" | "refunds", body: unknown, who: TestCustomer, key?: string) =>
    handler(
      apiEvent({
        resource: `/orders/{orderId}/${what}`,
        path: `/orders/${orderId}/${what}`,
        httpMethod: "POST",
        pathParameters: { orderId },
        headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
        body: body === undefined ? null : JSON.stringify(body),
        requestContext: signedIn(who),
      }),
      context,
    );
  return {
    orderId,
    gateway,
    mailer,
    callbacks,
    orders,
    payments,
    cancel: (who: TestCustomer = BUYER, body?: unknown) => post("cancel", body, who),
    ship: (body: unknown, who: TestCustomer = STAFF_MEMBER) => post("shipment", body, who),
    refund: (body: unknown, key = randomUUID()) => post("refunds", body, STAFF_MEMBER, key),
    read: async () => (await orders.get(orderId))!,
  };
}

const body = (answer: APIGatewayProxyResult) => JSON.parse(answer.body) as Record<string, unknown>;
const errorCode = (answer: APIGatewayProxyResult) => (body(answer).error as { code: string }).code;

test("a confirmed order cancelled by its owner: refunded whole, stock back, one e-mail; again is the same, once", async () => {
  const before = await stockOf("SKU-1001");
  const s = await system({ payment: charged(randomUUID()) }, { reserved: true });
  expect(await stockOf("SKU-1001")).toBe(before - 2);
  const first = await s.cancel(BUYER, { reason: "Ordered the wrong size" });
  expect(first.statusCode).toBe(200);
  expect(body(first)).toMatchObject({
    status: "CANCELLED",
    paymentStatus: "REFUNDED",
    cancellation: { by: BUYER.sub, reason: "Ordered the wrong size" },
    refunds: [{ amount: 39.98, reason: "Order cancelled: Ordered the wrong size", by: BUYER.sub }],
  });
  expect(await stockOf("SKU-1001")).toBe(before);
  expect(s.gateway.refunds).toEqual([
    expect.objectContaining({ amountMinor: 3998, refundKey: "cancellation" }),
  ]);
  expect(s.mailer.sent.map((m) => [m.kind, m.to])).toEqual([["cancellation", "buyer@example.com"]]);
  expect(s.mailer.sent[0].data).toMatchObject({
    money: expect.stringContaining("payment of 39.98 USD has been refunded"),
  });

  const again = await s.cancel();
  expect(again.statusCode).toBe(200);
  expect(again.headers?.["Idempotent-Replayed"]).toBe("true");
  expect(s.gateway.refunds).toHaveLength(1);
  expect(s.mailer.sent).toHaveLength(1);
  expect(await stockOf("SKU-1001")).toBe(before);
  const order = await s.read();
  expect(order).toMatchObject({
    status: "CANCELLED",
    refundedTotal: 3998,
    cancellation: { fromStatus: "CONFIRMED" },
  });
  expect(order.inventoryReserved).toBeUndefined();
});

test("a partly refunded order cancelled by staff: only what is left is refunded", async () => {
  const s = await system({ payment: charged(randomUUID()) });
  expect((await s.refund({ amount: "10.00", reason: "Damaged box" })).statusCode).toBe(201);
  const cancelled = await s.cancel(STAFF_MEMBER);
  expect(cancelled.statusCode).toBe(200);
  expect(body(cancelled)).toMatchObject({
    status: "CANCELLED",
    paymentStatus: "REFUNDED",
    refundedTotal: 39.98,
    cancellation: { by: STAFF_MEMBER.sub, reason: "Cancelled by the store." },
  });
  expect(s.gateway.refunds.map((r) => r.amountMinor)).toEqual([1000, 2998]);
});

test("a PENDING order is cancelled with nothing to give back; its customer hears no money was taken", async () => {
  const s = await system({ status: "PENDING" });
  const answer = await s.cancel();
  expect(answer.statusCode).toBe(200);
  expect(body(answer)).toMatchObject({ status: "CANCELLED" });
  expect(s.gateway.refunds).toHaveLength(0);
  expect(s.gateway.cancels).toHaveLength(0);
  expect(s.mailer.sent[0]).toMatchObject({ kind: "cancellation", data: { money: "No money was taken." } });
  expect((await s.read()).cancellation?.fromStatus).toBe("PENDING");
});

test("an order waiting for 3-D Secure: the payment is canceled at the provider and the waiting step ends at once", async () => {
  const orderId = randomUUID();
  const s = await system({
    status: "PROCESSING",
    payment: { ...charged(orderId), status: "REQUIRES_ACTION", clientSecret: "pi_secret", pendingSince: "x" },
    paymentTaskToken: "token-1",
  });
  expect((await s.cancel()).statusCode).toBe(200);
  expect(s.gateway.cancels).toHaveLength(1);
  expect(s.gateway.refunds).toHaveLength(0);
  expect(s.callbacks.failed).toEqual([{ token: "token-1", error: "OrderCancelled" }]);
  const order = await s.read();
  expect(order.payment?.status).toBe("CANCELED");
  expect(order.payment?.failureMessage).toBe("The order was cancelled.");
  expect(order.paymentTaskToken).toBeUndefined();
});

const LINES = [
  { productId: "SKU-1001", name: "Shoes", quantity: 2, unitPriceMinor: 1999, lineTotalMinor: 3998 },
];
const chargeStep = (orderId: string) => ({
  action: "charge",
  orderId,
  amountMinor: 3998,
  currency: "USD",
  lines: LINES,
});

test("cancelled before its payment opened: the workflow charges nothing and takes no stock", async () => {
  const before = await stockOf("SKU-1001");
  const s = await system({ status: "PROCESSING" });
  const processPayment = createProcessPayment({
    orders: s.orders,
    payments: s.payments,
    current: "simulated",
    gateways: { simulated: s.gateway },
  });
  expect((await s.cancel()).statusCode).toBe(200);
  await expect(processPayment(chargeStep(s.orderId), context)).rejects.toMatchObject({
    name: "OrderAlreadyFinished",
  });
  await expect(
    createUpdateInventory({ inventory })({ orderId: s.orderId, items: ITEMS }, context),
  ).rejects.toMatchObject({
    name: "OrderCancelled",
  });
  expect(s.gateway.charges).toHaveLength(0);
  expect(await stockOf("SKU-1001")).toBe(before);
});

test("cancelled while the provider charges: the workflow records the charge, gives it back once, and fails OrderCancelled", async () => {
  const s = await system({ status: "PROCESSING" });
  let cancelled: APIGatewayProxyResult | undefined;
  // The customer's cancellation arrives while the provider is taking the money.
  const racing = new CountingGateway({
    provider: "simulated",
    charge: async (request) => {
      cancelled = await s.cancel();
      return new SimulatedPaymentGateway().charge(request);
    },
    cancel: (request) => s.gateway.cancel(request),
    refund: (request) => s.gateway.refund(request),
  });
  const processPayment = createProcessPayment({
    orders: s.orders,
    payments: s.payments,
    current: "simulated",
    gateways: { simulated: racing },
  });
  await expect(processPayment(chargeStep(s.orderId), context)).rejects.toMatchObject({
    name: "OrderCancelled",
  });
  expect(cancelled?.statusCode).toBe(200);
  // The saga's refund key (the order's): a cancellation repeated now refunds nothing more.
  expect((await s.cancel()).statusCode).toBe(200);
  expect(s.gateway.refunds.map((r) => [r.amountMinor, r.refundKey])).toEqual([[3998, undefined]]);
  const order = await s.read();
  expect(order).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED" } });
});

test("shipping: staff only, a confirmed order only, once; then cancelling answers 409 and staff may still refund", async () => {
  const s = await system({ payment: charged(randomUUID()) });
  const shipment = { carrier: "DHL Express", trackingNumber: "JD014600006281" };
  expect(errorCode(await s.ship(shipment, BUYER))).toBe("STAFF_ONLY");
  expect((await s.ship(shipment, BUYER)).statusCode).toBe(403);
  expect(errorCode(await s.ship({ carrier: "", trackingNumber: "1" }))).toBe("INVALID_SHIPMENT");
  expect(errorCode(await s.ship({ ...shipment, note: "x" }))).toBe("INVALID_SHIPMENT");
  const shipped = await s.ship(shipment);
  expect(shipped.statusCode).toBe(201);
  expect(body(shipped)).toMatchObject({
    status: "SHIPPED",
    shipment: { carrier: "DHL Express", trackingNumber: "JD014600006281" },
  });
  const again = await s.ship(shipment);
  expect(again.statusCode).toBe(200);
  expect(again.headers?.["Idempotent-Replayed"]).toBe("true");
  const other = await s.ship({ ...shipment, trackingNumber: "OTHER1" });
  expect(other.statusCode).toBe(409);
  expect(errorCode(other)).toBe("ORDER_ALREADY_SHIPPED");
  expect(s.mailer.sent.map((m) => [m.kind, (m.data as { trackingNumber?: string }).trackingNumber])).toEqual([
    ["shipment", "JD014600006281"],
  ]);
  const cancel = await s.cancel();
  expect(cancel.statusCode).toBe(409);
  expect(errorCode(cancel)).toBe("ORDER_ALREADY_SHIPPED");
  expect((await s.refund({ amount: "39.98", reason: "Returned" })).statusCode).toBe(201);
  expect((await s.read()).status).toBe("SHIPPED");
});

test("an order not confirmed does not ship; a FAILED one cannot be cancelled; another customer's order is not found", async () => {
  const processing = await system({ status: "PROCESSING" });
  const notYet = await processing.ship({ carrier: "UPS", trackingNumber: "1Z999" });
  expect([notYet.statusCode, errorCode(notYet)]).toEqual([409, "ORDER_NOT_SHIPPABLE"]);
  const failed = await system({ status: "FAILED" });
  const refused = await failed.cancel();
  expect([refused.statusCode, errorCode(refused)]).toEqual([409, "ORDER_NOT_CANCELLABLE"]);
  const someoneElses = await system({ status: "CONFIRMED" });
  const hidden = await someoneElses.cancel(OTHER_CUSTOMER);
  expect([hidden.statusCode, errorCode(hidden)]).toEqual([404, "ORDER_NOT_FOUND"]);
  expect((await someoneElses.read()).status).toBe("CONFIRMED");
  const bad = await someoneElses.cancel(BUYER, { reason: 42 });
  expect([bad.statusCode, errorCode(bad)]).toEqual([400, "INVALID_BODY"]);
  expect((await someoneElses.read()).status).toBe("CONFIRMED");
});
