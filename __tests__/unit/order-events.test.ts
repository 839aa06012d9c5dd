/**
 * The order events in-process: which facts a change adds (and that a change adding none publishes
 * nothing), their ids and sequences, the stock events from numbered movements, every event valid
 * against its closed draft-04 schema (and a field added without its schema invalid), OrderEvents'
 * batch failure reporting, and the EventBridge publisher's batching and retries.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { marshall } from "@aws-sdk/util-dynamodb";
import Ajv from "ajv-draft-04";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { EventBridgePublisher } from "../../lambdas/events/adapters/eventbridge-publisher";
import { eventsOfRecord } from "../../lambdas/events/adapters/dynamodb-stream";
import { DETAIL_TYPES, orderEventsOf, type DomainEvent } from "../../lambdas/events/order-events";
import { EVENT_SCHEMAS, schemaNameOf } from "../../lambdas/events/schemas";
import { stockEventsOf } from "../../lambdas/events/stock-events";
import type { OrderRecord } from "../../lambdas/orders/order";
import { publishChanges } from "../../lambdas/order-events/handler";

const placed: OrderRecord = {
  orderId: "o-1",
  status: "PENDING",
  customerId: "c-1",
  customerEmail: "buyer@example.com",
  items: [{ productId: "A", quantity: 2 }],
  paymentToken: "tok_visa",
  requestHash: "h",
  createdAt: "2026-12-01T10:00:00.000Z",
  updatedAt: "2026-12-01T10:00:00.000Z",
};
const priced: Partial<OrderRecord> = {
  lines: [{ productId: "A", name: "Shirt", quantity: 2, unitPriceMinor: 750, lineTotalMinor: 1500 }],
  totalMinor: 1500,
  currency: "USD",
  payment: { status: "CHARGED", chargeId: "ch_1", amountMinor: 1500 },
};
const confirmed: OrderRecord = {
  ...placed,
  ...priced,
  status: "CONFIRMED",
  updatedAt: "2026-12-01T10:00:02.000Z",
};
const shipped: OrderRecord = {
  ...confirmed,
  status: "SHIPPED",
  shipment: { carrier: "DHL", trackingNumber: "T1", by: "s-1", at: "2026-12-02T09:00:00.000Z" },
};
const refunded: OrderRecord = {
  ...shipped,
  refunds: [
    { refundId: "re_1", amountMinor: 500, reason: "Late", by: "s-1", at: "2026-12-03T09:00:00.000Z" },
  ],
  refundedTotal: 500,
};

const typesOf = (events: DomainEvent[]) => events.map((e) => e.detailType);

test("each change publishes the facts it adds, numbered after the old image's; nothing when it adds none", () => {
  expect(
    orderEventsOf(undefined, placed).map((e) => [e.detailType, e.detail.sequence, e.detail.eventId]),
  ).toEqual([["Order Placed", 1, "o-1:placed"]]);
  expect(typesOf(orderEventsOf(placed, { ...placed, status: "PROCESSING" }))).toEqual([]);
  expect(orderEventsOf(placed, confirmed).map((e) => [e.detailType, e.detail.sequence])).toEqual([
    ["Order Confirmed", 2],
  ]);
  // An e-mail recorded, an erasure: no fact.
  expect(
    orderEventsOf(confirmed, { ...confirmed, customerEmail: "[erased]", confirmationNotifiedAt: "x" }),
  ).toEqual([]);
  expect(orderEventsOf(confirmed, shipped)[0]).toMatchObject({
    detailType: "Order Shipped",
    detail: { sequence: 3, carrier: "DHL", trackingNumber: "T1", customerId: "c-1" },
  });
  expect(orderEventsOf(shipped, refunded)[0]).toMatchObject({
    detailType: "Order Refunded",
    detail: { sequence: 4, refundId: "re_1", amount: 5, refundedTotal: 5, currency: "USD", by: "s-1" },
  });
  // A record seen without its old image (a mapping created again) publishes every fact again, same ids.
  expect(orderEventsOf(undefined, refunded).map((e) => e.detail.eventId)).toEqual([
    "o-1:placed",
    "o-1:confirmed",
    "o-1:shipped",
    "o-1:refund:re_1",
  ]);
  // No address, no card token.
  expect(JSON.stringify(orderEventsOf(undefined, refunded))).not.toMatch(/buyer@|tok_visa/);
});

test("failures, cancellations (after confirmation too) and returns are facts of their own", () => {
  const failed = { ...placed, status: "FAILED" as const, failureCode: "PaymentDeclined" };
  expect(orderEventsOf(placed, failed)[0]).toMatchObject({
    detailType: "Order Failed",
    detail: { failureCode: "PaymentDeclined" },
  });
  const cancelled: OrderRecord = {
    ...confirmed,
    status: "CANCELLED",
    cancellation: {
      by: "c-1",
      at: "2026-12-01T11:00:00.000Z",
      reason: "x",
      fromStatus: "CONFIRMED",
      refundMinor: 1500,
    },
  };
  // Still confirmed before: only the cancellation is new.
  expect(orderEventsOf(confirmed, cancelled).map((e) => [e.detailType, e.detail.refund])).toEqual([
    ["Order Cancelled", 15],
  ]);
  const returned: OrderRecord = {
    ...refunded,
    returns: [
      {
        returnId: "ret_1",
        status: "RECEIVED",
        items: [{ productId: "A", quantity: 1 }],
        reason: "Too small",
        requestedAt: "2026-12-04T09:00:00.000Z",
        requestedBy: "c-1",
        receipts: [
          {
            receiptId: "rcp_1",
            items: [{ productId: "A", quantity: 1, restock: true }],
            by: "s-1",
            at: "2026-12-05T09:00:00.000Z",
            refundMinor: 750,
          },
        ],
      },
    ],
  };
  expect(orderEventsOf(refunded, returned).map((e) => [e.detailType, e.detail.sequence])).toEqual([
    ["Return Requested", 5],
    ["Return Received", 6],
  ]);
  expect(JSON.stringify(orderEventsOf(refunded, returned))).not.toContain("Too small");
});

test("stock events: an adjustment, and a movement that went low; sales alone publish nothing", () => {
  const base = { productId: "A", at: "2026-12-01T10:00:00.000Z" };
  const events = stockEventsOf(
    [
      { ...base, seq: 4, kind: "sale", orderId: "o-1", delta: -1, stockAfter: 9 },
      {
        ...base,
        seq: 5,
        kind: "adjustment",
        adjustmentId: "adj",
        reason: "damaged",
        by: "s-1",
        delta: -6,
        stockAfter: 3,
        lowStock: true,
      },
      { ...base, seq: 6, kind: "sale", orderId: "o-2", delta: -1, stockAfter: 2 },
    ],
    4,
  );
  expect(events.map((e) => [e.detailType, e.detail.sequence, e.detail.eventId])).toEqual([
    ["Stock Adjusted", 5, "A:5:adjusted"],
    ["Stock Low", 5, "A:5:low"],
  ]);
});

describe("the schemas", () => {
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const validate = new Map(EVENT_SCHEMAS.map(({ detailType, schema }) => [detailType, ajv.compile(schema)]));
  const envelope = (e: DomainEvent) => ({
    version: "0",
    id: "x",
    "detail-type": e.detailType,
    source: "ecommerce-dev.orders",
    account: "1",
    time: e.detail.occurredAt,
    region: "us-east-1",
    resources: [],
    detail: e.detail,
  });

  test("one draft-04 schema per detail-type, named for the registry", () => {
    expect(EVENT_SCHEMAS.map((s) => s.detailType)).toEqual([...DETAIL_TYPES]);
    for (const { schema } of EVENT_SCHEMAS)
      expect(schema.$schema).toBe("http://json-schema.org/draft-04/schema#");
    expect(schemaNameOf("ecommerce-dev.orders", "Order Confirmed")).toBe(
      "ecommerce-dev.orders@OrderConfirmed",
    );
  });

  test("events validate; a field added without its schema does not", () => {
    for (const event of orderEventsOf(undefined, refunded)) {
      const check = validate.get(event.detailType)!;
      expect([event.detailType, check(envelope(event)), check.errors]).toEqual([
        event.detailType,
        true,
        null,
      ]);
    }
    const [confirmedEvent] = orderEventsOf(placed, confirmed);
    const widened = {
      ...confirmedEvent,
      detail: { ...confirmedEvent.detail, customerEmail: "buyer@example.com" },
    };
    expect(validate.get("Order Confirmed")!(envelope(widened))).toBe(false);
  });
});

describe("OrderEvents on a stream batch", () => {
  const record = (seq: string, old: OrderRecord | undefined, now: OrderRecord): DynamoDBRecord => ({
    eventSourceARN: "arn:aws:dynamodb:us-east-1:1:table/orders/stream/2026",
    dynamodb: {
      SequenceNumber: seq,
      NewImage: marshall(now, { removeUndefinedValues: true }) as never,
      ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) as never } : {}),
    },
  });
  const tables = { orders: "orders", inventory: "inventory" };

  test("the images of a record are compared; a record of another table publishes nothing", () => {
    expect(typesOf(eventsOfRecord(record("1", placed, confirmed), tables))).toEqual(["Order Confirmed"]);
    expect(
      eventsOfRecord(
        { ...record("1", placed, confirmed), eventSourceARN: "arn:…:table/other/stream/x" },
        tables,
      ),
    ).toEqual([]);
  });

  test("a batch the bus refuses reports its first unpublished record; the rest is published in order", async () => {
    const put: DomainEvent[][] = [];
    let fail = true;
    const publisher = {
      publish: async (events: readonly DomainEvent[]) => {
        if (fail && events.some((e) => e.detailType === "Order Shipped")) throw new Error("throttled");
        put.push([...events]);
      },
    };
    const records = [
      record("1", undefined, placed),
      record("2", placed, confirmed),
      record("3", confirmed, shipped),
    ];
    // 12 events would be 2 calls; here 3 events, one call, which fails: the first record is reported.
    expect(await publishChanges({ publisher, tables }, { Records: records })).toEqual({
      batchItemFailures: [{ itemIdentifier: "1" }],
    });
    fail = false;
    expect(await publishChanges({ publisher, tables }, { Records: records })).toEqual({
      batchItemFailures: [],
    });
    expect(put.flat().map((e) => e.detailType)).toEqual(["Order Placed", "Order Confirmed", "Order Shipped"]);
  });
});

describe("the EventBridge publisher", () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());
  const events = orderEventsOf(undefined, refunded);

  test("ten entries per call, on the bus, with the source; failed entries put again", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: "1" }, { ErrorCode: "ThrottlingException" }, {}, {}],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "2" }] });
    await new EventBridgePublisher(new EventBridgeClient({}), "bus", "ecommerce-dev.orders", 1).publish(
      events,
    );
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.map((e) => e.DetailType))).toEqual([
      ["Order Placed", "Order Confirmed", "Order Shipped", "Order Refunded"],
      ["Order Confirmed"],
    ]);
    expect(calls[0][0]).toMatchObject({ EventBusName: "bus", Source: "ecommerce-dev.orders" });
    expect(JSON.parse(calls[0][0].Detail!)).toMatchObject({ eventId: "o-1:placed", sequence: 1 });
  });

  test("entries that keep failing fail the publish: nothing is dropped silently", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure" }] });
    await expect(
      new EventBridgePublisher(new EventBridgeClient({}), "bus", "s", 1).publish(events.slice(0, 1)),
    ).rejects.toThrow(/could not be put on bus/);
  });
});

test("npm start -- --event-subscription: repeatable, a URL then detail-types (all when none); a bad one is a usage error", async () => {
  const { parseCommandLine } = await import("../../local/options");
  expect(
    parseCommandLine(
      [
        "--event-subscription",
        "http://localhost:9000/hook,Order Confirmed,Return Received",
        "--event-subscription",
        "http://localhost:9001/all",
      ],
      {},
    ),
  ).toMatchObject({
    values: {
      eventSubscriptions: [
        { url: "http://localhost:9000/hook", detailTypes: ["Order Confirmed", "Return Received"] },
        { url: "http://localhost:9001/all", detailTypes: [] },
      ],
    },
  });
  expect(() => parseCommandLine(["--event-subscription", "ftp://x"], {})).toThrow(/needs an http\(s\) URL/);
  expect(() => parseCommandLine(["--event-subscription", "http://x,Order Exploded"], {})).toThrow(
    /unknown detail-type "Order Exploded"/,
  );
  expect(() => parseCommandLine(["--return-window-days", "366"], {})).toThrow(/at most 365/);
});
