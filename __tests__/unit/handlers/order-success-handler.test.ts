/** OrderSuccessHandler through createHandler with the in-memory order store and a recording notifier. */
import type { EventBridgeEvent } from "aws-lambda";
import { createHandler } from "../../../lambdas/order-success-handler/handler";
import type { OrderRecord } from "../../../lambdas/shared/order";
import { context, ORDER_ID } from "../../support/events";
import {
  InMemoryOrderStore,
  InMemorySuppressionList,
  RecordingMailer,
  RecordingNotifier,
} from "../../support/fakes";
import { orderRecord } from "../../support/orders";

const event = (status = "SUCCEEDED") =>
  ({
    version: "0",
    id: "e-1",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${ORDER_ID}`,
      stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
      name: ORDER_ID,
      status,
      input: JSON.stringify({ orderId: ORDER_ID }),
    },
  }) as EventBridgeEvent<"Step Functions Execution Status Change", unknown>;

const priced = (overrides: Partial<OrderRecord> = {}) =>
  orderRecord({
    status: "PROCESSING",
    totalMinor: 9948,
    currency: "USD",
    lines: [
      {
        productId: "SKU-1001",
        name: "Classic Cotton T-Shirt",
        quantity: 2,
        unitPriceMinor: 1999,
        lineTotalMinor: 3998,
      },
      {
        productId: "SKU-1002",
        name: "Slim Fit Jeans",
        quantity: 1,
        unitPriceMinor: 5950,
        lineTotalMinor: 5950,
      },
    ],
    ...overrides,
  });

function system(order: OrderRecord | null = priced(), options: { emailsOff?: boolean } = {}) {
  const orders = new InMemoryOrderStore(order ? [order] : []);
  const alerts = new RecordingNotifier();
  const suppressions = new InMemorySuppressionList();
  const mailer = new RecordingMailer();
  const handler = createHandler({
    orders,
    alerts,
    suppressions,
    mailer: options.emailsOff ? undefined : mailer,
  });
  return { orders, alerts, suppressions, mailer, handler };
}

test("marks the order CONFIRMED and tells OrderAlertsTopic in words a person can read", async () => {
  const { orders, alerts, handler } = system();
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "confirmed" });
  expect((await orders.get(ORDER_ID))?.status).toBe("CONFIRMED");
  expect(alerts.published).toEqual([
    {
      subject: `Order ${ORDER_ID} confirmed`,
      message: expect.stringContaining("2 x Classic Cotton T-Shirt (SKU-1001) @ 19.99 USD = 39.98 USD"),
    },
  ]);
  expect(alerts.published[0].message).toContain("Total: 99.48 USD");
  expect((await orders.get(ORDER_ID))?.confirmationNotifiedAt).toEqual(expect.any(String));
});

test("a duplicate event after the notification went out publishes nothing", async () => {
  const { alerts, handler } = system(
    priced({ status: "CONFIRMED", confirmationNotifiedAt: "2026-01-01T00:00:02Z" }),
  );
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "duplicate" });
  expect(alerts.published).toEqual([]);
});

test("the same event delivered twice confirms and announces once", async () => {
  const { alerts, handler } = system();
  await handler(event(), context);
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "duplicate" });
  expect(alerts.published).toHaveLength(1);
});

test("a retry after a failed publish sends the confirmation it owes", async () => {
  const { orders, alerts, handler } = system(priced({ status: "CONFIRMED" }));
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "confirmed" });
  expect(alerts.published).toHaveLength(1);
  expect((await orders.get(ORDER_ID))?.confirmationNotifiedAt).toEqual(expect.any(String));
});

test("an SNS failure fails the invocation so EventBridge/Lambda retry it", async () => {
  const { orders, alerts, handler } = system();
  alerts.failures = 1;
  await expect(handler(event(), context)).rejects.toThrow("SNS publish failed");
  // Confirmed, but not yet announced: the retry owes the customer the message.
  expect(await orders.get(ORDER_ID)).toMatchObject({ status: "CONFIRMED" });
  expect((await orders.get(ORDER_ID))?.confirmationNotifiedAt).toBeUndefined();
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "confirmed" });
  expect(alerts.published).toHaveLength(1);
});

test("an order that already FAILED is not confirmed or announced", async () => {
  const { orders, alerts, handler } = system(priced({ status: "FAILED" }));
  await expect(handler(event(), context)).resolves.toMatchObject({
    orderId: ORDER_ID,
    outcome: "not-confirmed",
  });
  expect((await orders.get(ORDER_ID))?.status).toBe("FAILED");
  expect(alerts.published).toEqual([]);
});

test("a succeeded execution for an order that does not exist is reported, not invented", async () => {
  const { orders, alerts, handler } = system(null);
  await expect(handler(event(), context)).resolves.toMatchObject({ orderId: ORDER_ID, outcome: "missing" });
  expect(orders.orders.size).toBe(0);
  expect(alerts.published).toEqual([]);
});

test("events that are not SUCCEEDED are ignored; foreign events are rejected", async () => {
  const { orders, alerts, handler } = system();
  await expect(handler(event("FAILED"), context)).resolves.toMatchObject({ outcome: "ignored" });
  await expect(handler({ ...event(), source: "aws.ec2" } as never, context)).rejects.toMatchObject({
    name: "$ZodError",
  });
  expect((await orders.get(ORDER_ID))?.status).toBe("PROCESSING");
  expect(alerts.published).toEqual([]);
});
