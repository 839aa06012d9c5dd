/**
 * Edges of the shared domain and the handlers that the flow tests do not reach: found by mutation
 * testing (docs/TESTING.md), each a behaviour a customer or an operator would notice.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { createHandler as orderPlacement } from "../../lambdas/order-placement/handler";
import { confirmationMessage } from "../../lambdas/order-success-handler/handler";
import { gatewaysFromEnvironment } from "../../lambdas/process-payment/handler";
import { SimulatedPaymentGateway } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import {
  asWorkflowError,
  BusinessError,
  isUnreachable,
  TRANSIENT_ERRORS,
  UNREACHABLE_ERRORS,
} from "../../lambdas/platform/errors";
import { canonicalHash, idempotencyKeyHash, newOrderId, ORDER_ID_PATTERN } from "../../lambdas/platform/ids";
import { toMinorUnits } from "../../lambdas/platform/money";
import { orderView } from "../../lambdas/orders/order";
import { createHandler as validateOrder } from "../../lambdas/validate-order/handler";
import { apiEvent, context, ORDER_ID, validOrder } from "../support/events";

const UNKNOWN_PRODUCT_ORDER = "5e1f0c9a-7b2d-4e3f-9a8b-6c5d4e3f2a1b";
import { InMemoryInventoryStore, InMemoryOrderStore, PRODUCTS, RecordingQueue } from "../support/fakes";
import { orderRecord } from "../support/orders";

const bodyOf = (r: APIGatewayProxyResult) =>
  JSON.parse(r.body) as { error?: { code: string }; [k: string]: unknown };

describe("money and ids", () => {
  test("amounts below zero or beyond safe integers are refused; zero and cents are kept", () => {
    expect(toMinorUnits(0)).toBe(0);
    expect(toMinorUnits(19.99)).toBe(1999);
    expect(() => toMinorUnits(-0.01)).toThrow(RangeError);
    expect(() => toMinorUnits(Number.MAX_SAFE_INTEGER)).toThrow("Not a valid non-negative amount");
  });

  test("order ids match the whole UUID pattern, anchored at both ends", () => {
    expect(ORDER_ID_PATTERN.test(newOrderId())).toBe(true);
    // Keys are scoped: the same key of two customers, or with no customer, are three records.
    expect(
      new Set([idempotencyKeyHash("k"), idempotencyKeyHash("k", "a"), idempotencyKeyHash("k", "b")]).size,
    ).toBe(3);
    expect(ORDER_ID_PATTERN.test(`x${ORDER_ID}`)).toBe(false);
    expect(ORDER_ID_PATTERN.test(`${ORDER_ID}x`)).toBe(false);
  });

  test("the canonical hash ignores key order at every depth but not values", () => {
    expect(canonicalHash({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(canonicalHash({ a: 1, b: { c: 2 } })).not.toBe(canonicalHash({ a: 1, b: { c: 3 } }));
    expect(canonicalHash([{ x: 1 }])).not.toBe(canonicalHash([{ x: 2 }]));
  });
});

describe("the simulated gateway", () => {
  const gateway = new SimulatedPaymentGateway({ transientFailures: 1 });
  const request = {
    orderId: ORDER_ID,
    amountMinor: 100,
    currency: "USD",
    paymentToken: "tok_visa",
    attempt: 1,
  };

  test("refuses a zero amount as a decline, charges a cent", async () => {
    await expect(gateway.charge({ ...request, amountMinor: 0 })).rejects.toMatchObject({
      name: "PaymentDeclined",
      message: "The amount to charge must be positive.",
    });
    await expect(gateway.charge({ ...request, amountMinor: 1 })).resolves.toEqual({
      status: "succeeded",
      chargeId: expect.any(String),
    });
  });

  test("refund ids depend on the order, the charge and the refund's key; a transient error names its attempt", async () => {
    const refund = (orderId: string, chargeId: string, refundKey?: string) =>
      gateway.refund({ orderId, chargeId, amountMinor: 100, refundKey });
    const a = await refund("a", "ch_1");
    expect(a).not.toEqual(await refund("b", "ch_1"));
    expect(a).not.toEqual(await refund("a", "ch_2"));
    expect(await refund("a", "ch_1", "k1")).not.toEqual(await refund("a", "ch_1", "k2"));
    expect(await refund("a", "ch_1", "k1")).toEqual(await refund("a", "ch_1", "k1"));
    await expect(gateway.charge({ ...request, paymentToken: "tok_processingError" })).rejects.toThrow(
      "The payment gateway had a processing error (attempt 1).",
    );
  });

  test("zero transient failures is a valid setting", () => {
    expect(
      gatewaysFromEnvironment({ SIMULATED_GATEWAY_TRANSIENT_FAILURES: "0" }).gateways.simulated,
    ).toBeInstanceOf(SimulatedPaymentGateway);
  });
});

describe("what customers read", () => {
  test("the confirmation lists every line, the total and when the order was placed", () => {
    const message = confirmationMessage(
      orderRecord({
        totalMinor: 3998,
        currency: "EUR",
        lines: [{ productId: "SKU-1", name: "Mug", quantity: 2, unitPriceMinor: 1999, lineTotalMinor: 3998 }],
      }),
    );
    expect(message).toEqual({
      subject: `Order ${ORDER_ID} confirmed`,
      message: [
        `Order ${ORDER_ID} is confirmed.`,
        "",
        "Items:",
        "  - 2 x Mug (SKU-1) @ 19.99 EUR = 39.98 EUR",
        "",
        "Total: 39.98 EUR",
        "Placed at: 2026-01-01T00:00:00.000Z",
      ].join("\n"),
    });
  });

  test("an order view shows unpriced items, the failure and the payment status, and nothing internal", () => {
    const view = orderView(
      orderRecord({
        status: "FAILED",
        failureCode: "PaymentDeclined",
        failureReason: "The card was declined.",
        payment: { status: "REFUNDED", chargeId: "ch", amountMinor: 1, refundId: "re" },
      }),
    );
    expect(view).toMatchObject({
      items: [
        { productId: "SKU-1001", quantity: 2 },
        { productId: "SKU-1002", quantity: 1 },
      ],
      failureCode: "PaymentDeclined",
      failureReason: "The card was declined.",
      paymentStatus: "REFUNDED",
      total: null,
      currency: null,
    });
    expect(JSON.stringify(view)).not.toMatch(/tok_visa|requestHash|chargeId/);
  });
});

describe("ValidateOrder", () => {
  test("products priced in different currencies cannot share an order", async () => {
    const orders = new InMemoryOrderStore([
      orderRecord({
        items: [
          { productId: "SKU-1001", quantity: 1 },
          { productId: "SKU-2001", quantity: 1 },
        ],
      }),
    ]);
    const handler = validateOrder({ orders, inventory: new InMemoryInventoryStore(PRODUCTS) });
    await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
      name: "ProductNotFound",
      message: "Products priced in different currencies cannot share an order.",
    });
    expect((await orders.get(ORDER_ID))?.status).toBe("PENDING");
  });

  test("errors name the unknown and the short products", async () => {
    const orders = new InMemoryOrderStore([
      orderRecord({ items: [{ productId: "SKU-1002", quantity: 5 }] }),
      orderRecord({ orderId: UNKNOWN_PRODUCT_ORDER, items: [{ productId: "SKU-404", quantity: 1 }] }),
    ]);
    const handler = validateOrder({ orders, inventory: new InMemoryInventoryStore(PRODUCTS) });
    await expect(handler({ orderId: ORDER_ID }, context)).rejects.toThrow(
      "Insufficient stock: Rain Jacket (SKU-1002): 5 requested, 1 in stock.",
    );
    await expect(handler({ orderId: UNKNOWN_PRODUCT_ORDER }, context)).rejects.toThrow(
      "Unknown product: SKU-404.",
    );
  });
});

describe("OrderPlacement's edges", () => {
  const system = () => {
    const queue = new RecordingQueue();
    const orders = new InMemoryOrderStore([], queue);
    return {
      orders,
      queue,
      handler: orderPlacement({ orders, inventory: new InMemoryInventoryStore(PRODUCTS) }),
    };
  };
  const post = (headers: Record<string, string>, resource = "/orders") =>
    apiEvent({ resource, path: resource, body: JSON.stringify(validOrder), headers });

  test("the root resource places orders too", async () => {
    const { queue, handler } = system();
    const response = await handler(post({ "Content-Type": "application/json" }, "/"), context);
    expect(response.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(1);
  });

  test("a Content-Type that only contains application/json is a 415", async () => {
    const { handler } = system();
    const response = await handler(post({ "Content-Type": "text/application/json" }), context);
    expect(response.statusCode).toBe(415);
    expect(bodyOf(response).error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  test("an Idempotency-Key of exactly the maximum length is accepted", async () => {
    const { handler } = system();
    const response = await handler(
      post({ "Content-Type": "application/json", "Idempotency-Key": "k".repeat(128) }),
      context,
    );
    expect(response.statusCode).toBe(202);
  });

  test("a write whose outcome is unknown answers 503 with Retry-After and the key; the 409 names the order", async () => {
    const { orders, handler } = system();
    const createPending = orders.createPending.bind(orders);
    orders.createPending = () => Promise.reject(new Error("connection reset"));
    const failed = await handler(
      post({ "Content-Type": "application/json", "Idempotency-Key": "k-503" }),
      context,
    );
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ "Retry-After": "1", "Idempotency-Key": "k-503" });
    expect(bodyOf(failed).error).toMatchObject({
      code: "ORDER_NOT_CONFIRMED_RECORDED",
      message: expect.stringContaining("Retry"),
    });
    orders.createPending = createPending;
    const placed = await handler(
      post({ "Content-Type": "application/json", "Idempotency-Key": "k-503" }),
      context,
    );
    expect(placed.statusCode).toBe(202);
    const conflict = await handler(
      apiEvent({
        body: JSON.stringify({ ...validOrder, paymentToken: "tok_amex" }),
        headers: { "Content-Type": "application/json", "Idempotency-Key": "k-503" },
      }),
      context,
    );
    expect(bodyOf(conflict).error).toMatchObject({ details: { orderId: bodyOf(placed).orderId } });
  });

  test("the accepted order's Location and the unknown order's 404 name the order", async () => {
    const { handler } = system();
    const placed = await handler(
      post({ "Content-Type": "application/json", "Idempotency-Key": "k-loc" }),
      context,
    );
    expect(placed.headers).toMatchObject({ Location: `/orders/${bodyOf(placed).orderId}` });
    const missing = await handler(
      apiEvent({
        resource: "/orders/{orderId}",
        path: `/orders/${ORDER_ID}`,
        httpMethod: "GET",
        pathParameters: { orderId: ORDER_ID },
      }),
      context,
    );
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error.message).toBe(`No order with id ${ORDER_ID}.`);
  });
});

describe("an unreachable dependency is transient, never a business failure", () => {
  const refused = () =>
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4567"), { code: "ECONNREFUSED" });

  test("a workflow step whose store cannot be reached fails with DependencyUnavailable (retried)", async () => {
    const orders = new InMemoryOrderStore([orderRecord()]);
    orders.get = () => Promise.reject(refused());
    const handler = validateOrder({ orders, inventory: new InMemoryInventoryStore(PRODUCTS) });
    await expect(handler({ orderId: ORDER_ID }, context)).rejects.toMatchObject({
      name: "DependencyUnavailable",
    });
    expect(UNREACHABLE_ERRORS).toContain("DependencyUnavailable");
    expect(TRANSIENT_ERRORS).not.toContain("DependencyUnavailable");
  });

  test.each([
    ["a socket error code", refused()],
    ["an SDK timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    ["a cause chain", new Error("fetch failed", { cause: refused() })],
    ["an AggregateError", Object.assign(new AggregateError([refused()], "all failed"), {})],
  ])("%s is unreachable", (_, error) => {
    expect(isUnreachable(error)).toBe(true);
  });

  test("a refusal by the service (a condition, a throttle) is not 'unreachable'", () => {
    expect(isUnreachable(Object.assign(new Error("no"), { name: "ConditionalCheckFailedException" }))).toBe(
      false,
    );
    expect(asWorkflowError(new BusinessError("OutOfStock", "short"))).toMatchObject({ name: "OutOfStock" });
  });
});

test("a socket error the SDK wrapped into a message is still unreachable", () => {
  expect(
    isUnreachable(new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:45455")),
  ).toBe(true);
});
