/**
 * Order events end to end on the local runtime: orders placed, confirmed, shipped, partly refunded,
 * returned and cancelled produce exactly their facts' events, in order per order (sequence strictly
 * increasing), each valid against its registered schema; subscribers get them as API destinations
 * deliver (a receiver that answers 500 three times then 200 gets the event once more after its
 * recovery; one that never recovers leaves it in the dead-letter queue); GET /_local/order-events
 * filters; stock adjustments and low stock are events too.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import Ajv from "ajv-draft-04";
import { EVENT_SCHEMAS } from "../../lambdas/events/schemas";
import type { BusEvent } from "../../local/eventbridge/order-event-bus";
import { apiCall, localStaffToken } from "../support/local-api";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(120_000);

/** What each receiver path was sent: every attempt, with the answer it got. */
const received = new Map<string, { event: BusEvent; status: number }[]>();
const flakyAttempts = new Map<string, number>();
let receiver: Server;
let base = "";
let t: TestSystem;
let staff: string;

function answer(path: string, event: BusEvent): number {
  if (path === "/down") return 500;
  if (path === "/flaky") {
    const n = (flakyAttempts.get(event.id) ?? 0) + 1;
    flakyAttempts.set(event.id, n);
    return n <= 3 ? 500 : 200;
  }
  return 200;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as BusEvent;
      const status = answer(req.url ?? "", event);
      received.set(req.url ?? "", [...(received.get(req.url ?? "") ?? []), { event, status }]);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestSystem({
    lowStockThreshold: 3,
    eventSubscriptions: [
      { url: `${base}/all`, detailTypes: [] },
      { url: `${base}/flaky`, detailTypes: ["Order Confirmed"] },
      { url: `${base}/down`, detailTypes: ["Order Shipped"] },
    ],
    eventDelivery: { retryWindowMs: 2_000, firstBackoffMs: 50, maxBackoffMs: 300, attemptTimeoutMs: 2_000 },
  });
  staff = await localStaffToken(t.system.url, "events.desk@shop.example.com");
});
afterAll(async () => {
  await t?.stop();
  receiver?.close();
});

const call = (method: string, path: string, token: string | undefined, body?: unknown, key?: string) =>
  apiCall(t.system.url, method, path, token, body, key);

async function eventsOf(query: string): Promise<BusEvent[]> {
  const answer = await fetch(`${t.system.url}/_local/order-events?${query}`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { events: BusEvent[] }).events;
}

/** Waits until the system and every delivery are done. */
async function settled(): Promise<void> {
  await t.system.settled();
}

async function confirmedOrder(productId: string, quantity: number): Promise<string> {
  const placed = await t.placeOrder(
    { paymentToken: "tok_visa", items: [{ productId, quantity }] },
    randomUUID(),
  );
  const orderId = String(placed.body.orderId);
  expect((await t.waitForFinalStatus(orderId, 60_000)).status).toBe("CONFIRMED");
  return orderId;
}

test("an order's life is its events, in order, each valid against its schema, delivered to the subscribers", async () => {
  const productId = `EVT-${randomUUID().slice(0, 8)}`;
  expect(
    (
      await call(
        "POST",
        "/products",
        staff,
        { productId, name: "Evented", price: "5.00", stock: 10 },
        randomUUID(),
      )
    ).status,
  ).toBe(201);
  const shipped = await confirmedOrder(productId, 2);
  expect(
    (await call("POST", `/orders/${shipped}/shipment`, staff, { carrier: "DHL", trackingNumber: "T1" }))
      .status,
  ).toBe(201);
  expect(
    (
      await call(
        "POST",
        `/orders/${shipped}/refunds`,
        staff,
        { amount: "1.00", reason: "Late" },
        randomUUID(),
      )
    ).status,
  ).toBe(201);
  const asked = await call(
    "POST",
    `/orders/${shipped}/returns`,
    t.token,
    { items: [{ productId, quantity: 1 }], reason: "Too big" },
    randomUUID(),
  );
  const returnId = (asked.body.return as { returnId: string }).returnId;
  expect(
    (
      await call(
        "POST",
        `/orders/${shipped}/returns/${returnId}/receipt`,
        staff,
        { items: [{ productId, quantity: 1, restock: true }] },
        randomUUID(),
      )
    ).status,
  ).toBe(201);
  const cancelled = await confirmedOrder(productId, 1);
  expect(
    (await call("POST", `/orders/${cancelled}/cancel`, t.token, { reason: "Changed my mind" })).status,
  ).toBe(200);
  // A write-off that takes the stock to the threshold: an adjustment and a low-stock event.
  expect(
    (
      await call(
        "POST",
        `/products/${productId}/stock-adjustments`,
        staff,
        { delta: -6, reason: "damaged" },
        randomUUID(),
      )
    ).status,
  ).toBe(201);
  await settled();

  const typesOf = (events: BusEvent[]) => [...events].reverse().map((e) => e["detail-type"]);
  const shippedEvents = await eventsOf(`orderId=${shipped}`);
  expect(typesOf(shippedEvents)).toEqual([
    "Order Placed",
    "Order Confirmed",
    "Order Shipped",
    "Order Refunded",
    "Return Requested",
    "Return Received",
    "Order Refunded",
  ]);
  expect(typesOf(await eventsOf(`orderId=${cancelled}`))).toEqual([
    "Order Placed",
    "Order Confirmed",
    "Order Cancelled",
    "Order Refunded",
  ]);
  for (const orderId of [shipped, cancelled]) {
    const sequences = [...(await eventsOf(`orderId=${orderId}`))]
      .reverse()
      .map((e) => e.detail.sequence as number);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
  }
  const confirmed = shippedEvents.find((e) => e["detail-type"] === "Order Confirmed")!;
  expect(confirmed).toMatchObject({
    source: "local.orders",
    detail: {
      schemaVersion: "1",
      orderId: shipped,
      eventId: `${shipped}:confirmed`,
      total: 10,
      currency: "USD",
    },
  });
  // No e-mail address, no card token: the customer is their id only.
  expect(JSON.stringify(shippedEvents)).not.toMatch(/@|tok_/);

  const stock = (await eventsOf("limit=1000")).filter(
    (e) => e.detail.productId === productId && !e.detail.orderId,
  );
  expect(stock.map((e) => e["detail-type"]).sort()).toEqual([
    "Stock Adjusted",
    "Stock Adjusted",
    "Stock Low",
  ]);
  expect(await eventsOf("detailType=Stock%20Low")).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ detail: expect.objectContaining({ productId, stock: 3 }) }),
    ]),
  );

  // Every event the run produced is valid against its detail-type's schema.
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const validators = new Map(
    EVENT_SCHEMAS.map(({ detailType, schema }) => [detailType as string, ajv.compile(schema)]),
  );
  const all = await eventsOf("limit=1000");
  for (const event of all) {
    const validate = validators.get(event["detail-type"])!;
    expect({ event: event.detail.eventId, valid: validate(event), errors: validate.errors ?? null }).toEqual({
      event: event.detail.eventId,
      valid: true,
      errors: null,
    });
  }

  // The subscriber of everything got every event; duplicates (if any) share their eventId.
  const delivered = received.get("/all") ?? [];
  expect(new Set(delivered.map((d) => d.event.detail.eventId))).toEqual(
    new Set(all.map((e) => e.detail.eventId)),
  );
});

test("a subscriber down three times gets the event once more after it recovers; one that never recovers dead-letters it", async () => {
  await settled();
  const flaky = received.get("/flaky") ?? [];
  expect(flaky.length).toBeGreaterThan(0);
  const byEvent = new Map<string, number[]>();
  for (const { event, status } of flaky) byEvent.set(event.id, [...(byEvent.get(event.id) ?? []), status]);
  for (const statuses of byEvent.values()) expect(statuses).toEqual([500, 500, 500, 200]);
  expect(flaky.every((d) => d.event["detail-type"] === "Order Confirmed")).toBe(true);

  const queue = (await (await fetch(`${t.system.url}/_local/queue`)).json()) as {
    orderEventDeadLetters: { subscription: string; event: BusEvent; reason: string }[];
  };
  const dead = queue.orderEventDeadLetters.filter((d) => d.subscription === `${base}/down`);
  expect(dead.length).toBeGreaterThan(0);
  expect(dead.every((d) => d.event["detail-type"] === "Order Shipped" && d.reason === "HTTP 500")).toBe(true);
});

test("GET /_local/order-events refuses an unknown detail-type and a bad limit", async () => {
  const bad = await fetch(`${t.system.url}/_local/order-events?detailType=Order%20Exploded`);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("INVALID_DETAIL_TYPE");
  expect((await fetch(`${t.system.url}/_local/order-events?limit=0`)).status).toBe(400);
});
