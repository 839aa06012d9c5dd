/**
 * The meter counts what AWS would bill for an order, by service, from the calls the local runtime
 * really makes; GET /_local/meter reports it and POST /_local/meter/reset starts again.
 */
import type { MeterReport } from "../../local/meter/meter";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem();
});
afterAll(() => t.stop());

/**
 * Each order of a round buys its own product: orders of one product at the same moment are counted
 * apart (a reservation whose product changed since its validation read it reads it again).
 */
const order = (paymentToken: string, i: number) => ({
  paymentToken,
  items: [{ productId: `SKU-100${i + 1}`, quantity: 1 }],
});

async function meterAfter(orders: readonly string[]): Promise<MeterReport> {
  const reset = await fetch(`${t.system.url}/_local/meter/reset`, { method: "POST" });
  expect(reset.status).toBe(200);
  for (const [i, token] of orders.entries()) expect((await t.placeOrder(order(token, i))).status).toBe(202);
  await t.system.settled();
  const response = await fetch(`${t.system.url}/_local/meter`);
  expect(response.status).toBe(200);
  return (await response.json()) as MeterReport;
}

test("a confirmed order: every billed call, by service, averaged per order", async () => {
  const report = await meterAfter(["tok_visa", "tok_visa", "tok_visa"]);
  expect(report.orders).toBe(3);
  const perOrder = report.perOrder;
  expect(perOrder["API Gateway"]).toMatchObject({ requests: 1 });
  // One invocation per order of each function, but StartOrderProcessing takes a batch of messages.
  const lambda = report.services.Lambda.operations;
  for (const name of ["order-placement", "validate-order", "process-payment", "update-inventory"]) {
    expect(lambda[`local-${name}`]).toMatchObject({ requests: 3 });
  }
  expect(lambda["local-order-success-handler"]).toMatchObject({ requests: 3 });
  expect(lambda["local-start-order-processing"].requests).toBeGreaterThanOrEqual(1);
  expect(lambda["local-start-order-processing"].requests).toBeLessThanOrEqual(3);
  expect(perOrder.Lambda.gbSeconds).toBeGreaterThan(0);
  // ValidateOrder, ProcessPayment, the PaymentSettled choice, UpdateInventory.
  expect(perOrder["Step Functions"]).toMatchObject({ transitions: 4 });
  // A SendMessage per order; the event source mapping's ReceiveMessage and DeleteMessageBatch per batch.
  const sqs = report.services.SQS.operations;
  expect(sqs.SendMessage).toMatchObject({ requests: 3 });
  expect(sqs.ReceiveMessage.requests).toBe(lambda["local-start-order-processing"].requests);
  expect(sqs.DeleteMessageBatch.requests).toBe(lambda["local-start-order-processing"].requests);
  expect(perOrder["EventBridge Pipes"]).toMatchObject({ requests: 1 });
  expect(perOrder.EventBridge).toMatchObject({ serviceEvents: 1 });
  expect(perOrder.SNS).toMatchObject({ requests: 1 });
  expect(perOrder.KMS).toMatchObject({ requests: 1 });
  expect(perOrder.SES).toMatchObject({ emails: 1 });
  expect(perOrder["CloudWatch Logs"].bytes).toBeGreaterThan(1000);
  // Transactions cost two write units per item: the order and its key, the stock and the order's marker.
  const dynamo = report.services.DynamoDB.operations;
  expect(dynamo.TransactWriteItems.writeUnits).toBeGreaterThanOrEqual(4 * dynamo.TransactWriteItems.calls);
  expect(perOrder.DynamoDB.readUnits).toBeGreaterThan(0);
});

test("a confirmed order makes at most 8 DynamoDB calls, one per step that must read or write", async () => {
  const report = await meterAfter(["tok_visa", "tok_visa"]);
  expect(report.perOrder.DynamoDB.calls).toBeLessThanOrEqual(8);
  // Placement's transaction, ValidateOrder's product read, ProcessPayment's two writes (open the
  // payment, record the charge), UpdateInventory's transaction (stock, movement and the order's
  // marker, conditional on the product as ValidateOrder read it), and OrderSuccessHandler's three
  // (confirm with the e-mail claimed, the suppression list — the address's hash and an older plain
  // item in one BatchGetItem —, the e-mail's outcome).
  expect(report.services.DynamoDB.operations).toEqual({
    TransactWriteItems: expect.objectContaining({ calls: 4 }),
    BatchGetItem: expect.objectContaining({ calls: 4 }),
    UpdateItem: expect.objectContaining({ calls: 8 }),
  });
});

test("a declined order walks the failure states, each billed as a transition", async () => {
  const report = await meterAfter(["tok_chargeDeclined"]);
  const transitions = report.services["Step Functions"].operations;
  for (const state of ["ProcessPayment", "ClassifyFailure", "OrderFailed", "NotifyOrderFailure"]) {
    expect(transitions[`transition:${state}`]).toMatchObject({ transitions: 1 });
  }
  expect(transitions["transition:UpdateInventory"]).toBeUndefined();
  // The failure is announced (OrderErrorNotificationTopic) and the customer is told.
  expect(report.services.SNS.operations["Publish:OrderErrorNotificationTopic"]).toMatchObject({
    requests: 1,
  });
  expect(report.perOrder.SES).toMatchObject({ emails: 1 });
});

test("a reset starts the count again", async () => {
  const reset = await fetch(`${t.system.url}/_local/meter/reset`, { method: "POST" });
  const report = (await reset.json()) as MeterReport;
  expect(report).toMatchObject({ orders: 0, services: {}, perOrder: {} });
});

test("two orders of one product at once cost at most one read and one write more between them", async () => {
  const reset = await fetch(`${t.system.url}/_local/meter/reset`, { method: "POST" });
  expect(reset.status).toBe(200);
  const sameProduct = { paymentToken: "tok_visa", items: [{ productId: "SKU-1005", quantity: 1 }] };
  const placed = await Promise.all([1, 2].map(() => t.placeOrder(sameProduct)));
  expect(placed.map((p) => p.status)).toEqual([202, 202]);
  await t.system.settled();
  const report = (await (await fetch(`${t.system.url}/_local/meter`)).json()) as MeterReport;
  // When both were validated before either reserved, the second finds the product changed: it
  // reads it again (BatchGetItem) and writes again (TransactWriteItems).
  expect(report.perOrder.DynamoDB.calls).toBeGreaterThanOrEqual(8);
  expect(report.perOrder.DynamoDB.calls).toBeLessThanOrEqual(9);
});
