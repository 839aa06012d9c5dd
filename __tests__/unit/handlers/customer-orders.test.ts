/**
 * Orders belong to the signed-in customer: the claims API Gateway's Cognito authorizer hands the
 * function, ownership, the e-mail rule, the caller's order list with its cursor, per-customer
 * idempotency, the api_auth = none opt-out and CORS. Through createHandler with in-memory fakes.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createHandler, type OrderPlacementSettings } from "../../../lambdas/order-placement/handler";
import { groupsOf } from "../../../lambdas/customers/customer";
import { idempotencyKeyHash, newOrderId } from "../../../lambdas/platform/ids";
import { decodeCursor, encodeCursor } from "../../../lambdas/orders/order-cursor";
import {
  apiEvent,
  BUYER,
  context,
  OTHER_CUSTOMER,
  signedIn,
  STAFF_MEMBER,
  validOrder,
  type TestCustomer,
} from "../../support/events";
import { InMemoryInventoryStore, InMemoryOrderStore, PRODUCTS, RecordingQueue } from "../../support/fakes";
import { orderRecord } from "../../support/orders";

/** A stable, UUID-shaped order id per name, for orders a test puts in the store itself. */
const ids = new Map<string, string>();
const idOf = (name: string) => ids.get(name) ?? (ids.set(name, newOrderId()), ids.get(name)!);

const SIGNED_IN: OrderPlacementSettings = { apiAuth: "cognito", allowedOrigins: [] };
const OPEN: OrderPlacementSettings = { apiAuth: "none", allowedOrigins: [] };

function api(settings: OrderPlacementSettings = SIGNED_IN) {
  const queue = new RecordingQueue();
  const orders = new InMemoryOrderStore([], queue);
  const handle = createHandler({ orders, inventory: new InMemoryInventoryStore(PRODUCTS), settings });
  return { orders, queue, call: (event: APIGatewayProxyEvent) => handle(event, context) };
}

const body = (r: APIGatewayProxyResult) => JSON.parse(r.body);
/** validOrder without customerEmail: a signed-in customer's address comes from their token. */
const withoutEmail = { items: validOrder.items, paymentToken: validOrder.paymentToken };
const as = (customer: TestCustomer | null) =>
  customer ? signedIn(customer) : ({} as APIGatewayProxyEvent["requestContext"]);

function place(order: unknown, customer: TestCustomer | null = BUYER, key?: string) {
  return apiEvent({
    body: JSON.stringify(order),
    headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
    requestContext: as(customer),
  });
}

function getOrder(orderId: string, customer: TestCustomer | null = BUYER) {
  return apiEvent({
    resource: "/orders/{orderId}",
    path: `/orders/${orderId}`,
    httpMethod: "GET",
    pathParameters: { orderId },
    requestContext: as(customer),
  });
}

function listOrders(query: Record<string, string> | null = null, customer: TestCustomer | null = BUYER) {
  return apiEvent({
    resource: "/orders",
    path: "/orders",
    httpMethod: "GET",
    queryStringParameters: query,
    requestContext: as(customer),
  });
}

describe("the signed-in customer", () => {
  test("is the token's sub: the order records it, and the e-mail comes from the token", async () => {
    const { orders, call } = api();
    const response = await call(place(withoutEmail, BUYER, "k-1"));
    expect(response.statusCode).toBe(202);
    const stored = orders.orders.get(body(response).orderId)!;
    expect(stored).toMatchObject({ customerId: BUYER.sub, customerEmail: BUYER.email });
  });

  test("a customerEmail in the body that differs from the token's is a 400 with its own code", async () => {
    const { orders, queue, call } = api();
    const response = await call(place({ ...validOrder, customerEmail: "someone-else@example.com" }));
    expect(response.statusCode).toBe(400);
    expect(body(response).error).toMatchObject({
      code: "CUSTOMER_EMAIL_MISMATCH",
      details: [expect.objectContaining({ path: "customerEmail" })],
    });
    expect(orders.orders.size).toBe(0);
    expect(queue.sent).toHaveLength(0);
  });

  test("the same address in another case is the same address", async () => {
    const { call } = api();
    const response = await call(place({ ...validOrder, customerEmail: "Buyer@Example.COM" }));
    expect(response.statusCode).toBe(202);
  });

  test("an unverified e-mail cannot place orders: the confirmation would go to an unproven address", async () => {
    const { orders, call } = api();
    const response = await call(place(validOrder, { ...BUYER, emailVerified: false }));
    expect(response.statusCode).toBe(403);
    expect(body(response).error.code).toBe("EMAIL_NOT_VERIFIED");
    expect(orders.orders.size).toBe(0);
  });

  test("no claims on an order route is a 401, never an order without an owner", async () => {
    const { orders, call } = api();
    for (const event of [place(validOrder, null), getOrder(idOf("x"), null), listOrders(null, null)]) {
      const response = await call(event);
      expect(response.statusCode).toBe(401);
      expect(body(response).error.code).toBe("UNAUTHORIZED");
    }
    expect(orders.orders.size).toBe(0);
  });

  test("GET /products stays public", async () => {
    const { call } = api();
    const response = await call(
      apiEvent({
        resource: "/products",
        path: "/products",
        httpMethod: "GET",
        requestContext: as(null),
      }),
    );
    expect(response.statusCode).toBe(200);
  });
});

describe("ownership", () => {
  test("another customer's order answers 404, exactly as an unknown id does", async () => {
    const { call } = api();
    const placed = await call(place(validOrder, BUYER, "mine"));
    const { orderId } = body(placed);
    expect((await call(getOrder(orderId, BUYER))).statusCode).toBe(200);
    const foreign = await call(getOrder(orderId, OTHER_CUSTOMER));
    const unknown = await call(getOrder(idOf("never-placed"), OTHER_CUSTOMER));
    expect(foreign.statusCode).toBe(404);
    expect(body(foreign).error.code).toBe(body(unknown).error.code);
    expect(body(foreign).error.message).toBe(
      body(unknown).error.message.replace(idOf("never-placed"), orderId),
    );
  });

  test("the store's staff (cognito:groups staff) read any order; another group does not", async () => {
    const { call } = api();
    const { orderId } = body(await call(place(validOrder, BUYER, "for-staff")));
    const read = await call(getOrder(orderId, STAFF_MEMBER));
    expect(read.statusCode).toBe(200);
    expect(body(read)).toMatchObject({ orderId });
    const notStaff = await call(getOrder(orderId, { ...STAFF_MEMBER, groups: "staffers,admins" }));
    expect(notStaff.statusCode).toBe(404);
  });

  test.each([
    ["staff", ["staff"]],
    ["admins,staff", ["admins", "staff"]],
    ["[admins staff]", ["admins", "staff"]],
    ["", []],
  ])("cognito:groups as API Gateway renders it (%j) are the token's groups", (claim, groups) => {
    expect(groupsOf(claim)).toEqual(groups);
  });

  test("an order without an owner (placed with api_auth = none) is nobody's once sign-in is on", async () => {
    const { orders, call } = api();
    const ownerless = orderRecord({ orderId: idOf("open") });
    await orders.createPending(ownerless, "key-open");
    expect((await call(getOrder(ownerless.orderId, BUYER))).statusCode).toBe(404);
  });
});

describe("per-customer idempotency", () => {
  test("the same key from two customers makes two orders", async () => {
    const { orders, queue, call } = api();
    const a = await call(place(validOrder, BUYER, "shared-key"));
    const b = await call(
      place({ ...validOrder, customerEmail: OTHER_CUSTOMER.email }, OTHER_CUSTOMER, "shared-key"),
    );
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(body(a).orderId).not.toBe(body(b).orderId);
    expect(orders.orders.size).toBe(2);
    expect(queue.sent).toHaveLength(2);
  });

  test("the same key from one customer returns the first order; with another body it is a 409", async () => {
    const { orders, call } = api();
    const first = await call(place(validOrder, BUYER, "k"));
    const replay = await call(place(validOrder, BUYER, "k"));
    expect(replay.statusCode).toBe(200);
    expect(body(replay).orderId).toBe(body(first).orderId);
    const changed = await call(place({ ...validOrder, paymentToken: "tok_mastercard" }, BUYER, "k"));
    expect(changed.statusCode).toBe(409);
    expect(body(changed).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(orders.orders.size).toBe(1);
  });

  test("omitting customerEmail on the replay is the same request", async () => {
    const { call } = api();
    const first = await call(place(validOrder, BUYER, "k2"));
    const replay = await call(place(withoutEmail, BUYER, "k2"));
    expect(replay.statusCode).toBe(200);
    expect(body(replay).orderId).toBe(body(first).orderId);
  });
});

describe("GET /orders", () => {
  async function withOrders(count: number) {
    const system = api();
    for (let i = 0; i < count; i++) {
      await system.orders.createPending(
        orderRecord({
          orderId: idOf(`o-${i}`),
          customerId: BUYER.sub,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        }),
        `key-${i}`,
      );
    }
    await system.orders.createPending(
      orderRecord({ orderId: idOf("theirs"), customerId: OTHER_CUSTOMER.sub }),
      "key-theirs",
    );
    return system;
  }

  test("lists the caller's orders newest first, 20 by default, never the payment token", async () => {
    const { call } = await withOrders(25);
    const response = await call(listOrders());
    expect(response.statusCode).toBe(200);
    const page = body(response);
    expect(page.orders).toHaveLength(20);
    expect(page.orders[0].orderId).toBe(idOf("o-24"));
    const times = page.orders.map((o: { createdAt: string }) => o.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(response.body).not.toContain("tok_visa");
    expect(typeof page.nextCursor).toBe("string");
  });

  test("pages with limit and nextCursor through every order exactly once", async () => {
    const { call } = await withOrders(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: "3", ...(cursor ? { cursor } : {}) };
      const page = body(await call(listOrders(query)));
      seen.push(...page.orders.map((o: { orderId: string }) => o.orderId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen).not.toContain(idOf("theirs"));
  });

  test("another customer sees only their own", async () => {
    const { call } = await withOrders(3);
    const page = body(await call(listOrders(null, OTHER_CUSTOMER)));
    expect(page.orders.map((o: { orderId: string }) => o.orderId)).toEqual([idOf("theirs")]);
    expect(page.nextCursor).toBeNull();
  });

  test.each([
    ["0", "INVALID_LIMIT"],
    ["101", "INVALID_LIMIT"],
    ["2.5", "INVALID_LIMIT"],
    ["ten", "INVALID_LIMIT"],
  ])("limit=%s is a 400 %s", async (limit, code) => {
    const { call } = await withOrders(1);
    const response = await call(listOrders({ limit }));
    expect(response.statusCode).toBe(400);
    expect(body(response).error.code).toBe(code);
  });

  test("a tampered, foreign or garbage cursor is a 400, and an unknown parameter too", async () => {
    const { call } = await withOrders(5);
    const first = body(await call(listOrders({ limit: "2" })));
    const position = decodeCursor(first.nextCursor, BUYER.sub);
    expect(position.ok).toBe(true);
    const theirs = encodeCursor({
      ...(position as { position: { orderId: string; createdAt: string } }).position,
      customerId: OTHER_CUSTOMER.sub,
    });
    const flipped =
      first.nextCursor.slice(0, -2) +
      (first.nextCursor.endsWith("A") ? "B" : "A") +
      first.nextCursor.slice(-1);
    const notJson = Buffer.from("not json").toString("base64url");
    const extraField = Buffer.from(
      JSON.stringify({
        v: 1,
        orderId: idOf("o-1"),
        customerId: BUYER.sub,
        createdAt: "2026-01-01T00:00:00.000Z",
        admin: true,
      }),
    ).toString("base64url");
    for (const cursor of [theirs, flipped, notJson, extraField, "%%%", ""]) {
      const response = await call(listOrders({ cursor }));
      expect(response.statusCode).toBe(400);
      expect(body(response).error.code).toBe("INVALID_CURSOR");
    }
    const unknown = await call(listOrders({ page: "2" }));
    expect(unknown.statusCode).toBe(400);
    expect(body(unknown).error.code).toBe("UNKNOWN_PARAMETER");
  });
});

describe("api_auth = none (the documented opt-out)", () => {
  test("orders have no owner, the body's e-mail is used and is required", async () => {
    const { orders, call } = api(OPEN);
    const placed = await call(place(validOrder, null, "open-key"));
    expect(placed.statusCode).toBe(202);
    // The key is recorded unscoped: there is no customer to scope it to.
    expect(orders.keys.get(idempotencyKeyHash("open-key"))).toBe(body(placed).orderId);
    const stored = orders.orders.get(body(placed).orderId)!;
    expect(stored.customerId).toBeUndefined();
    expect(stored.customerEmail).toBe(validOrder.customerEmail);
    const missing = await call(place(withoutEmail, null));
    expect(missing.statusCode).toBe(400);
    expect(body(missing).error).toMatchObject({
      code: "MISSING_FIELD",
      details: [expect.objectContaining({ path: "customerEmail" })],
    });
  });

  test("the same key with another e-mail is still a 409", async () => {
    const { call } = api(OPEN);
    await call(place(validOrder, null, "k-open"));
    const response = await call(
      place({ ...validOrder, customerEmail: "someone-else@example.com" }, null, "k-open"),
    );
    expect(response.statusCode).toBe(409);
    expect(body(response).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  test("any order id is readable, as before; listing needs a customer", async () => {
    const { call } = api(OPEN);
    const { orderId } = body(await call(place(validOrder, null)));
    expect((await call(getOrder(orderId, null))).statusCode).toBe(200);
    const list = await call(listOrders(null, null));
    expect(list.statusCode).toBe(403);
    expect(body(list).error.code).toBe("CUSTOMER_REQUIRED");
  });
});

describe("CORS", () => {
  const STOREFRONT = "https://shop.example.com";
  const withOrigin = (event: APIGatewayProxyEvent, origin: string) => ({
    ...event,
    headers: { ...event.headers, Origin: origin },
  });

  test("an allowed origin is echoed on every response, errors included", async () => {
    const { call } = api({ apiAuth: "cognito", allowedOrigins: [STOREFRONT, "https://m.example.com"] });
    for (const event of [place(validOrder), place({ nope: 1 }), listOrders({ limit: "0" })]) {
      const response = await call(withOrigin(event, STOREFRONT));
      expect(response.headers).toMatchObject({
        "Access-Control-Allow-Origin": STOREFRONT,
        "Access-Control-Expose-Headers": expect.stringContaining("Idempotency-Key"),
        Vary: "Origin",
      });
    }
  });

  test("a foreign origin gets no CORS grant; without allowed origins there are no CORS headers", async () => {
    const configured = api({ apiAuth: "cognito", allowedOrigins: [STOREFRONT] });
    const foreign = await configured.call(withOrigin(listOrders(), "https://evil.example.com"));
    expect(foreign.headers).not.toHaveProperty("Access-Control-Allow-Origin");
    expect(foreign.headers).toMatchObject({ Vary: "Origin" });
    const none = await api().call(withOrigin(listOrders(), STOREFRONT));
    expect(Object.keys(none.headers ?? {}).filter((h) => /^access-control|^vary$/i.test(h))).toEqual([]);
  });
});
