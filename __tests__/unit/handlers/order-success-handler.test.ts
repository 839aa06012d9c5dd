/** OrderSuccessHandler through createHandler with the in-memory order store and a recording notifier. */
import type { EventBridgeEvent } from "aws-lambda";
import { createHandler } from "../../../lambdas/order-success-handler/handler";
import { UNEXPECTED_FAILURE_REASON } from "../../../lambdas/email/customer-emails";
import { EmailRejected } from "../../../lambdas/platform/errors";
import type { OrderRecord } from "../../../lambdas/orders/order";
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

test("the same event delivered twice at once confirms, announces and e-mails once", async () => {
  const { alerts, mailer, handler } = system();
  const outcomes = await Promise.allSettled([handler(event(), context), handler(event(), context)]);
  expect(alerts.published).toHaveLength(1);
  expect(mailer.sent).toHaveLength(1);
  // The second either finds the work done, or (still being done) fails to be retried later.
  const second = outcomes.find((o) => o.status === "rejected" || o.value.outcome === "duplicate");
  expect(second).toBeDefined();
});

/** The EXPRESS workflow's own end-of-order event (lambdas/workflow/events.ts). */
const workflowEvent = (detailType: "Order Confirmed" | "Order Failed", status: "SUCCEEDED" | "FAILED") =>
  ({
    version: "0",
    id: "e-2",
    "detail-type": detailType,
    source: "order-system.workflow",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      orderId: ORDER_ID,
      status,
      executionArn: `arn:aws:states:us-east-1:123456789012:express:sm:${ORDER_ID}:4f7c`,
      stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
      name: ORDER_ID,
    },
  }) as EventBridgeEvent<string, unknown>;

test("EXPRESS: the workflow's Order Confirmed event confirms and announces like a status change", async () => {
  const { orders, alerts, handler } = system();
  await expect(handler(workflowEvent("Order Confirmed", "SUCCEEDED"), context)).resolves.toMatchObject({
    orderId: ORDER_ID,
    outcome: "confirmed",
  });
  expect((await orders.get(ORDER_ID))?.status).toBe("CONFIRMED");
  expect(alerts.published).toHaveLength(1);
});

test("EXPRESS: the workflow's Order Failed event e-mails the customer why", async () => {
  const { mailer, handler } = system(priced({ status: "FAILED", failureCode: "PaymentDeclined" }));
  await expect(handler(workflowEvent("Order Failed", "FAILED"), context)).resolves.toMatchObject({
    outcome: "failed",
  });
  expect(mailer.sent).toEqual([expect.objectContaining({ kind: "failure" })]);
});

test("a workflow event of another shape or source is rejected", async () => {
  const { handler } = system();
  const confirmed = workflowEvent("Order Confirmed", "SUCCEEDED");
  await expect(handler({ ...confirmed, source: "somebody.else" } as never, context)).rejects.toMatchObject({
    name: "$ZodError",
  });
  await expect(
    handler({ ...confirmed, detail: { orderId: ORDER_ID, status: "RUNNING" } } as never, context),
  ).rejects.toMatchObject({ name: "$ZodError" });
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

test("the e-mail claimed with the confirmation is given back when the announcement fails, and sent once after", async () => {
  const { orders, alerts, mailer, handler } = system();
  alerts.failures = 1;
  await expect(handler(event(), context)).rejects.toThrow("SNS publish failed");
  expect((await orders.get(ORDER_ID))?.confirmationEmail).toBeUndefined();
  await expect(handler(event(), context)).resolves.toMatchObject({ outcome: "confirmed", email: "sent" });
  await expect(handler(event(), context)).resolves.toMatchObject({
    outcome: "duplicate",
    email: "duplicate",
  });
  expect(mailer.sent).toHaveLength(1);
  expect(alerts.published).toHaveLength(1);
});

test("a first confirmation writes the order twice: confirmed with the e-mail claimed, then both recorded", async () => {
  const { orders, handler } = system();
  const writes: string[] = [];
  for (const method of [
    "markConfirmed",
    "markConfirmationNotified",
    "claimCustomerEmail",
    "recordCustomerEmail",
  ] as const) {
    const original = orders[method].bind(orders) as (...a: unknown[]) => Promise<unknown>;
    (orders as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      writes.push(method);
      return original(...args);
    };
  }
  await handler(event(), context);
  expect(writes).toEqual(["markConfirmed", "recordCustomerEmail"]);
  expect(await orders.get(ORDER_ID)).toMatchObject({
    confirmationEmail: { status: "SENT" },
    confirmationNotifiedAt: expect.any(String),
  });
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

describe("customer e-mail", () => {
  const failedOrder = (failureCode: string) =>
    priced({ status: "FAILED", failureCode, failureReason: `internal: ${failureCode} at step X` });

  test("a confirmation goes to the order's address once, with the order's figures, and is recorded", async () => {
    const { orders, mailer, handler } = system();
    await expect(handler(event(), context)).resolves.toEqual({
      orderId: ORDER_ID,
      outcome: "confirmed",
      email: "sent",
    });
    expect(mailer.sent).toEqual([
      {
        to: "buyer@example.com",
        kind: "confirmation",
        data: {
          orderId: ORDER_ID,
          placedAt: expect.stringMatching(/UTC$/),
          items: [
            {
              name: "Classic Cotton T-Shirt",
              productId: "SKU-1001",
              quantity: 2,
              unitPrice: "19.99 USD",
              lineTotal: "39.98 USD",
            },
            {
              name: "Slim Fit Jeans",
              productId: "SKU-1002",
              quantity: 1,
              unitPrice: "59.50 USD",
              lineTotal: "59.50 USD",
            },
          ],
          total: "99.48 USD",
        },
      },
    ]);
    expect((await orders.get(ORDER_ID))?.confirmationEmail).toMatchObject({
      status: "SENT",
      messageId: "message-1",
    });
  });

  test("a redelivered event sends no second e-mail", async () => {
    const { mailer, handler } = system();
    await handler(event(), context);
    await expect(handler(event(), context)).resolves.toMatchObject({ email: "duplicate" });
    await expect(handler(event(), context)).resolves.toMatchObject({ email: "duplicate" });
    expect(mailer.sent).toHaveLength(1);
  });

  test("SES failing transiently fails the invocation, gives the claim back, and the retry sends once", async () => {
    const { orders, mailer, handler } = system();
    mailer.failNext(Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" }));
    await expect(handler(event(), context)).rejects.toMatchObject({ name: "TooManyRequestsException" });
    expect((await orders.get(ORDER_ID))?.confirmationEmail).toBeUndefined();
    await expect(handler(event(), context)).resolves.toMatchObject({ email: "sent" });
    expect(mailer.sent).toHaveLength(1);
  });

  test("a suppression list that cannot be read fails the invocation and gives the claim back", async () => {
    const { orders, suppressions, mailer, handler } = system();
    const read = jest
      .spyOn(suppressions, "isSuppressed")
      .mockRejectedValueOnce(
        Object.assign(new Error("Throughput exceeded"), { name: "ThrottlingException" }),
      );
    await expect(handler(event(), context)).rejects.toMatchObject({ name: "ThrottlingException" });
    expect((await orders.get(ORDER_ID))?.confirmationEmail).toBeUndefined();
    await expect(handler(event(), context)).resolves.toMatchObject({ email: "sent" });
    expect(read).toHaveBeenCalledTimes(2);
    expect(mailer.sent).toHaveLength(1);
  });

  test("another delivery holding a fresh claim makes this one retry later; a stale claim is taken over", async () => {
    const claimedAt = new Date().toISOString();
    const { mailer, handler } = system(
      priced({
        status: "CONFIRMED",
        confirmationNotifiedAt: claimedAt,
        confirmationEmail: { status: "SENDING", claimedAt },
      }),
    );
    await expect(handler(event(), context)).rejects.toMatchObject({ name: "CustomerEmailInProgress" });
    expect(mailer.sent).toEqual([]);

    const stale = new Date(Date.now() - 61_000).toISOString();
    const other = system(
      priced({
        status: "CONFIRMED",
        confirmationNotifiedAt: stale,
        confirmationEmail: { status: "SENDING", claimedAt: stale },
      }),
    );
    await expect(other.handler(event(), context)).resolves.toMatchObject({ email: "sent" });
    expect(other.mailer.sent).toHaveLength(1);
  });

  test("SES refusing for good (sandbox, bad address) is recorded, not retried, and the order stays confirmed", async () => {
    const { orders, mailer, handler } = system();
    mailer.failNext(
      new EmailRejected("SES refused the e-mail (MessageRejected): Email address is not verified."),
    );
    await expect(handler(event(), context)).resolves.toMatchObject({
      outcome: "confirmed",
      email: "rejected",
    });
    expect(await orders.get(ORDER_ID)).toMatchObject({
      status: "CONFIRMED",
      confirmationEmail: { status: "REJECTED", detail: expect.stringContaining("MessageRejected") },
    });
    await expect(handler(event(), context)).resolves.toMatchObject({ email: "duplicate" });
    expect(mailer.sent).toEqual([]);
  });

  test("a suppressed address (it bounced, or complained) is not mailed", async () => {
    const { orders, suppressions, mailer, handler } = system();
    await suppressions.suppress("Buyer@Example.com", "BOUNCE", "2026-01-01T00:00:00Z");
    await expect(handler(event(), context)).resolves.toMatchObject({
      outcome: "confirmed",
      email: "suppressed",
    });
    expect(mailer.sent).toEqual([]);
    expect((await orders.get(ORDER_ID))?.confirmationEmail).toMatchObject({ status: "SUPPRESSED" });
  });

  test("customer_emails = off: nothing is sent, and that is recorded", async () => {
    const { orders, mailer, handler } = system(priced(), { emailsOff: true });
    await expect(handler(event(), context)).resolves.toMatchObject({ outcome: "confirmed", email: "off" });
    expect(mailer.sent).toEqual([]);
    expect((await orders.get(ORDER_ID))?.confirmationEmail).toMatchObject({ status: "OFF" });
  });

  test.each([
    ["PaymentDeclined", "Your card was declined. No money was taken. Please try another card."],
    ["InsufficientFunds", "Your card was declined for insufficient funds. No money was taken."],
    ["OutOfStock", "An item in your order sold out while we processed it. Your payment has been refunded."],
    ["InsufficientStock", "An item in your order is sold out. No money was taken."],
    ["States.Timeout", UNEXPECTED_FAILURE_REASON],
  ])(
    "a failed order (%s) gets one e-mail in a customer's words, never internal text",
    async (code, reason) => {
      const { mailer, handler } = system(failedOrder(code));
      await expect(handler(event("FAILED"), context)).resolves.toEqual({
        orderId: ORDER_ID,
        outcome: "failed",
        email: "sent",
      });
      await handler(event("FAILED"), context);
      expect(mailer.sent).toEqual([
        {
          to: "buyer@example.com",
          kind: "failure",
          data: { orderId: ORDER_ID, placedAt: expect.any(String), reason },
        },
      ]);
      expect(JSON.stringify(mailer.sent)).not.toMatch(/internal|step X|States\.|PaymentDeclined|OutOfStock/);
    },
  );

  test("an execution that failed without recording FAILED mails nobody", async () => {
    const { mailer, handler } = system(priced({ status: "PROCESSING" }));
    await expect(handler(event("FAILED"), context)).resolves.toMatchObject({ outcome: "ignored" });
    expect(mailer.sent).toEqual([]);
  });
});
