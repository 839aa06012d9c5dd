/**
 * GET /_local/events against the running system: orders' events in order as Server-Sent Events,
 * a reconnect with Last-Event-ID that misses nothing and repeats nothing, bad input answered 400.
 */
import { API_DRAIN_TIMEOUT_MS } from "../../local/apigateway/api";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

interface StreamedEvent {
  readonly id: number;
  readonly type: string;
  readonly orderId?: string;
  readonly data: { line?: string; subject?: string };
}

/** Reads the stream until `until` holds (or times out), then closes it. */
async function read(
  url: string,
  until: (events: StreamedEvent[]) => boolean,
  headers: Record<string, string> = {},
): Promise<{ events: StreamedEvent[]; resets: number }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/_local/events`, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: StreamedEvent[] = [];
  let resets = 0;
  let buffer = "";
  const deadline = Date.now() + 20_000;
  while (!until(events)) {
    if (Date.now() > deadline) throw new Error(`Stream did not deliver in time; got ${events.length} events`);
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^event: reset$/m.test(frame)) resets++;
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data && /^id: \d+$/m.test(frame)) events.push(JSON.parse(data) as StreamedEvent);
    }
  }
  controller.abort();
  return { events, resets };
}

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem();
});
afterAll(() => t?.stop());

const order = (paymentToken: string) => ({
  customerEmail: "buyer@example.com",
  items: [{ productId: "SKU-1002", quantity: 1 }],
  paymentToken,
});

test("an order's events stream in order, ids consecutive, from accepted to confirmed", async () => {
  const placed = await t.placeOrder(order("tok_visa"));
  const orderId = placed.body.orderId as string;
  await t.waitForFinalStatus(orderId);
  const { events } = await read(t.system.url, (all) =>
    all.some((e) => e.type === "notification" && e.orderId === orderId),
  );
  const ids = events.map((e) => e.id);
  expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
  // The runtime's lines and the announcements, in order. (The stream's order images are not ordered
  // against the API's line: the outbox may read the PENDING image before the API logs its answer.)
  const mine = events
    .filter((e) => e.orderId === orderId && (e.type === "log" || e.type === "notification"))
    .map((e) => e.data.line ?? e.data.subject ?? "");
  const position = (pattern: RegExp) => mine.findIndex((line) => pattern.test(line));
  // Placed by the API, started by the queue's consumer, walked by the workflow, confirmed, announced.
  expect(position(/placed \(PENDING\)$/)).toBe(0);
  expect(position(/workflow started$/)).toBeGreaterThan(position(/placed \(PENDING\)$/));
  expect(position(/ CONFIRMED$/)).toBeGreaterThan(position(/workflow started$/));
  expect(position(/^Order \S+ confirmed$/)).toBeGreaterThan(position(/workflow started$/));
});

test("a reconnect with Last-Event-ID gets exactly the events after it: none missed, none twice", async () => {
  const first = await read(t.system.url, (all) => all.length >= 3);
  const lastSeen = first.events[2].id;
  // More happens while the client is away.
  const placed = await t.placeOrder(order("tok_chargeDeclined"));
  await t.waitForFinalStatus(placed.body.orderId as string);
  const everything = await read(t.system.url, (all) =>
    all.some((e) => e.orderId === placed.body.orderId && e.type === "notification"),
  );
  const resumed = await read(
    t.system.url,
    (all) => all.length > 0 && all[all.length - 1].id >= everything.events[everything.events.length - 1].id,
    { "Last-Event-ID": String(lastSeen) },
  );
  expect(resumed.resets).toBe(0);
  expect(resumed.events.map((e) => e.id)).toEqual(
    everything.events.filter((e) => e.id > lastSeen).map((e) => e.id),
  );
});

test.each([["abc"], ["-1"], ["1.5"]])(
  "a malformed Last-Event-ID (%s) is a 400 with the error body",
  async (id) => {
    const response = await fetch(`${t.system.url}/_local/events`, { headers: { "Last-Event-ID": id } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: "INVALID_LAST_EVENT_ID",
        message: "Last-Event-ID (or ?after=) must be the id of an event of this stream: a whole number.",
        details: null,
      },
    });
    const viaQuery = await fetch(`${t.system.url}/_local/events?after=${encodeURIComponent(id)}`);
    expect(viaQuery.status).toBe(400);
  },
);

test("an open stream does not hold up a stop: it is cut, not waited for", async () => {
  const other = await startTestSystem();
  const controller = new AbortController();
  const response = await fetch(`${other.system.url}/_local/events`, { signal: controller.signal });
  expect(response.status).toBe(200);
  const started = Date.now();
  await other.stop();
  // Requests in hand are waited for up to the drain bound; a stream must not be one of them.
  expect(Date.now() - started).toBeLessThan(API_DRAIN_TIMEOUT_MS);
  controller.abort();
});
