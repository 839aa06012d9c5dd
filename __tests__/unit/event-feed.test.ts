/** The runtime's event feed: numbering, the bounded window, resuming after an id. */
import { EventFeed, orderIdOfLine } from "../../local/console/event-feed";

test("events are numbered in order from 1, and resuming after an id gives exactly the ones after it", () => {
  const feed = new EventFeed(10);
  for (let i = 0; i < 6; i++) feed.append("log", { line: `line ${i}` });
  expect(feed.since(0)).toEqual({ reset: false, events: expect.any(Array) });
  expect(feed.since(0).events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(feed.since(4)).toEqual({
    reset: false,
    events: [expect.objectContaining({ id: 5 }), expect.objectContaining({ id: 6 })],
  });
  expect(feed.since(6).events).toEqual([]);
});

test("the window is bounded: memory stays flat, and a client behind the window is told to reset", () => {
  const feed = new EventFeed(5);
  for (let i = 0; i < 1000; i++) feed.append("log", { line: `line ${i}` });
  const { reset, events } = feed.since(10);
  expect(reset).toBe(true);
  expect(events.map((e) => e.id)).toEqual([996, 997, 998, 999, 1000]);
  // Internally at most a quarter more than the window is ever held.
  expect((feed as unknown as { events: unknown[] }).events.length).toBeLessThanOrEqual(Math.ceil(5 * 1.25));
  expect(feed.since(997)).toEqual({
    reset: false,
    events: [
      expect.objectContaining({ id: 998 }),
      expect.objectContaining({ id: 999 }),
      expect.objectContaining({ id: 1000 }),
    ],
  });
});

test("an id from another run (ahead of the feed) resets to the whole window", () => {
  const feed = new EventFeed(5);
  feed.append("log", { line: "one" });
  expect(feed.since(500)).toEqual({ reset: true, events: [expect.objectContaining({ id: 1 })] });
});

test("subscribers get each event as it is appended; an order's lines carry its id", () => {
  const feed = new EventFeed();
  const seen: number[] = [];
  const unsubscribe = feed.subscribe((e) => seen.push(e.id));
  feed.append("log", { line: "order abc-1 workflow started" }, orderIdOfLine("order abc-1 workflow started"));
  unsubscribe();
  feed.append("log", { line: "later" });
  expect(seen).toEqual([1]);
  expect(feed.since(0).events[0].orderId).toBe("abc-1");
  expect(orderIdOfLine("Inventory: 10 products seeded")).toBeUndefined();
});
