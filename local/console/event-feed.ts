/**
 * The runtime's event feed: every order event the runtime reports, numbered in order, kept in a
 * bounded window (memory stays flat over a long run), and pushed to browsers as Server-Sent Events
 * at GET /_local/events. A client that reconnects with Last-Event-ID (or `?after=`) gets exactly
 * the events after that id: none missed, none twice; if they already left the window, or the id is
 * from an earlier run, it first gets a `reset` event and then the whole window.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ORDER_ID_PATTERN } from "../../lambdas/platform/ids";
import { sendError } from "../admin/router";

export interface FeedEvent {
  readonly id: number;
  /**
   * `log` (a runtime line), `notification` (an SNS publish), `email` (a captured SES send), `order`
   * (an order's new image from the table's stream), `queue` (sent to OrdersQueue), `step` (a
   * workflow state entered, retried,
   * failed, caught or exited).
   */
  readonly type: string;
  readonly at: string;
  readonly orderId?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** How many events the window keeps by default. */
export const FEED_WINDOW = 2000;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

export class EventFeed {
  private events: FeedEvent[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(event: FeedEvent) => void>();

  constructor(private readonly capacity = FEED_WINDOW) {}

  append(type: string, data: Record<string, unknown>, orderId?: string): FeedEvent {
    const event: FeedEvent = {
      id: this.nextId++,
      type,
      at: new Date().toISOString(),
      ...(orderId ? { orderId } : {}),
      data,
    };
    this.events.push(event);
    // Trimmed in batches, so appending stays O(1) on average.
    if (this.events.length > this.capacity * 1.25) this.events = this.events.slice(-this.capacity);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The events after `afterId`; `reset` when some of them already left the window (or never existed). */
  since(afterId: number): { readonly reset: boolean; readonly events: readonly FeedEvent[] } {
    const window = this.events.slice(-this.capacity);
    const first = window[0]?.id ?? this.nextId;
    const last = this.nextId - 1;
    if (afterId > last || afterId < first - 1) return { reset: afterId !== 0 || first > 1, events: window };
    return { reset: false, events: window.filter((e) => e.id > afterId) };
  }

  /** The id of the newest event (0 before the first): a client that starts from it misses nothing later. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** The events about one order still in the window, oldest first. */
  forOrder(orderId: string): FeedEvent[] {
    return this.events.slice(-this.capacity).filter((e) => e.orderId === orderId);
  }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** ORDER_ID_PATTERN without its anchors: an order id anywhere in a text. */
const ORDER_ID_IN_TEXT = new RegExp(ORDER_ID_PATTERN.source.replace(/^\^|\$$/g, ""));

/** The first order id a text (an SNS subject, an e-mail subject) names. */
export function orderIdIn(text: string): string | undefined {
  return ORDER_ID_IN_TEXT.exec(text)?.[0];
}

/** A runtime line about an order names it first: "order <orderId> …". */
export function orderIdOfLine(line: string): string | undefined {
  return /^order (\S+) /.exec(line)?.[1];
}

function frame(event: FeedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * GET /_local/events: the feed as Server-Sent Events, from Last-Event-ID (or `?after=`), then live.
 * A malformed id is a 400 with the API's error body, before the stream starts.
 */
export function serveEventStream(
  feed: EventFeed,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  const raw = String(req.headers["last-event-id"] ?? query.get("after") ?? "0").trim();
  if (!/^\d{1,15}$/.test(raw)) {
    return sendError(
      res,
      400,
      "INVALID_LAST_EVENT_ID",
      "Last-Event-ID (or ?after=) must be the id of an event of this stream: a whole number.",
    );
  }
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
  const { reset, events } = feed.since(Number(raw));
  // Subscribed before the backlog is written: nothing appended meanwhile is lost.
  let lastSent = Number(raw);
  const queued: FeedEvent[] = [];
  let replaying = true;
  const send = (event: FeedEvent) => {
    if (replaying) return void queued.push(event);
    if (event.id <= lastSent) return;
    lastSent = event.id;
    res.write(frame(event));
  };
  const unsubscribe = feed.subscribe(send);
  res.write("retry: 1000\n\n");
  if (reset) res.write(`event: reset\ndata: ${JSON.stringify({ reason: "events were missed" })}\n\n`);
  if (reset) lastSent = 0;
  replaying = false;
  for (const event of [...events, ...queued]) send(event);
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  req.on("close", () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}
