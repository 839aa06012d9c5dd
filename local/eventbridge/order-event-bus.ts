/**
 * The local twin of the order event bus: every event OrderEvents puts is kept (GET
 * /_local/order-events lists them newest first), and each `--event-subscription` gets the events of
 * its detail-types as an API destination would deliver them: the event's JSON as a POST body,
 * retried with back-off on 5xx, 429, timeouts and refused connections for a bounded time, then kept
 * in the subscription's dead-letter queue (GET /_local/queue). Any other answer ends the delivery (a
 * 4xx other than 429 goes to the dead-letter queue at once, as EventBridge does).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { randomUUID } from "node:crypto";
import type { DetailType } from "../../lambdas/events/order-events";
import { DurableList } from "../runtime/durable-list";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../runtime/resources";
import { payloadChunks, type Meter } from "../meter/meter";

/** An event as EventBridge delivers it (its envelope), and as GET /_local/order-events lists it. */
export interface BusEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown> & { readonly eventId?: string; readonly orderId?: string };
}

/** What PutEvents carries (the SDK's entry, as the publisher sends it). */
export interface PutEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Time?: Date | string;
}

export interface EventSubscription {
  readonly url: string;
  /** The detail-types delivered; every one when empty. */
  readonly detailTypes: readonly DetailType[];
}

export interface DeadLetteredEvent {
  readonly subscription: string;
  readonly event: BusEvent;
  readonly reason: string;
  readonly at: string;
}

export interface DeliveryPolicy {
  /** How long an event is retried before the dead-letter queue (EventBridge: up to 24 hours). */
  readonly retryWindowMs: number;
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
  /** An attempt without an answer after this long is a timeout (an API destination's 5 seconds). */
  readonly attemptTimeoutMs: number;
}

export const LOCAL_DELIVERY: DeliveryPolicy = {
  retryWindowMs: 10_000,
  firstBackoffMs: 100,
  maxBackoffMs: 2_000,
  attemptTimeoutMs: 5_000,
};

/** How many events the bus lists (the newest); the archive of the deployed bus keeps them all. */
const KEPT = 20_000;

export interface OrderEventBusOptions {
  readonly subscriptions: readonly EventSubscription[];
  readonly delivery?: DeliveryPolicy;
  /** Keeps the events and the dead-letter queue in these files across stops and crashes. */
  readonly eventsPath?: string;
  readonly deadLetterPath?: string;
  readonly log: (line: string) => void;
  readonly meter?: Meter;
  /** Each event as it is put (the console's feed). */
  readonly onEvent?: (event: BusEvent) => void;
}

/** Whether an answer is worth another attempt (EventBridge retries 429 and 5xx). */
const retryable = (status: number) => status === 429 || status >= 500;

export class LocalOrderEventBus {
  private readonly events: BusEvent[] = [];
  private readonly ids = new Set<string>();
  private readonly dead: DurableList<DeadLetteredEvent>;
  private readonly file: WriteStream | undefined;
  private readonly delivery: DeliveryPolicy;
  private inFlight = 0;
  private stopping = false;

  constructor(private readonly options: OrderEventBusOptions) {
    this.delivery = options.delivery ?? LOCAL_DELIVERY;
    this.dead = new DurableList(options.deadLetterPath);
    if (options.eventsPath) {
      mkdirSync(dirname(options.eventsPath), { recursive: true });
      if (existsSync(options.eventsPath)) this.load(options.eventsPath);
      this.file = createWriteStream(options.eventsPath, { flags: "a" });
    }
  }

  private load(path: string): void {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      try {
        this.keep(JSON.parse(line) as BusEvent);
      } catch {
        // an empty line, or the half-written last one of a crash
      }
    }
  }

  private keep(event: BusEvent): void {
    this.events.push(event);
    if (event.detail.eventId) this.ids.add(event.detail.eventId);
    if (this.events.length > KEPT + KEPT / 4) this.events.splice(0, this.events.length - KEPT);
  }

  /** Whether an event with this eventId was ever put (what a restart republishes is told by it). */
  hasEvent(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  /** PutEvents: each entry kept and delivered to the subscriptions its detail-type matches. */
  put(entries: readonly PutEntry[]): void {
    for (const entry of entries) {
      const event: BusEvent = {
        version: "0",
        id: randomUUID(),
        "detail-type": entry.DetailType ?? "",
        source: entry.Source ?? "",
        account: LOCAL_ACCOUNT,
        time: new Date(entry.Time ?? Date.now()).toISOString(),
        region: LOCAL_REGION,
        resources: [],
        detail: JSON.parse(entry.Detail ?? "{}") as BusEvent["detail"],
      };
      this.keep(event);
      this.file?.write(`${JSON.stringify(event)}\n`);
      // Custom events are billed per 64 KB chunk of each entry; the bus's archive (deployed with
      // order_event_archive_days, 30 by default) bills what it takes in.
      const bytes = Buffer.byteLength(JSON.stringify(event));
      this.options.meter?.record("EventBridge", "PutEvents", { events: payloadChunks(bytes) });
      this.options.meter?.record("EventBridge", "OrderEventArchive", { archivedBytes: bytes });
      this.options.onEvent?.(event);
      for (const subscription of this.options.subscriptions) {
        const wanted = subscription.detailTypes;
        if (wanted.length > 0 && !(wanted as readonly string[]).includes(event["detail-type"])) continue;
        this.inFlight++;
        void this.deliver(subscription, event).finally(() => this.inFlight--);
      }
    }
  }

  /** Newest first, filtered by detail-type and order. */
  list(filter: { detailType?: string; orderId?: string; limit: number }): BusEvent[] {
    const found: BusEvent[] = [];
    for (let i = this.events.length - 1; i >= 0 && found.length < filter.limit; i--) {
      const event = this.events[i];
      if (filter.detailType && event["detail-type"] !== filter.detailType) continue;
      if (filter.orderId && event.detail.orderId !== filter.orderId) continue;
      found.push(event);
    }
    return found;
  }

  deadLetters(): readonly DeadLetteredEvent[] {
    return this.dead.list();
  }

  pendingCount(): number {
    return this.inFlight;
  }

  private async attempt(url: string, event: BusEvent): Promise<number | string> {
    try {
      const answer = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.delivery.attemptTimeoutMs),
      });
      await answer.arrayBuffer().catch(() => undefined);
      return answer.status;
    } catch (error) {
      return (error as Error).name === "TimeoutError"
        ? "timeout"
        : `unreachable (${(error as Error).message})`;
    }
  }

  private async deliver(subscription: EventSubscription, event: BusEvent): Promise<void> {
    const started = Date.now();
    let backoff = this.delivery.firstBackoffMs;
    for (;;) {
      const outcome = await this.attempt(subscription.url, event);
      this.options.meter?.record("EventBridge", "API destinations", { invocations: 1 });
      if (typeof outcome === "number" && outcome < 300) return;
      const again = typeof outcome === "string" || retryable(outcome);
      if (!again || this.stopping || Date.now() - started + backoff > this.delivery.retryWindowMs) {
        const reason = typeof outcome === "number" ? `HTTP ${outcome}` : outcome;
        this.dead.push({ subscription: subscription.url, event, reason, at: new Date().toISOString() });
        this.options.log(
          `order events: ${event["detail-type"]} ${event.detail.eventId ?? event.id} not delivered to ${subscription.url} (${reason}); dead-lettered`,
        );
        return;
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(this.delivery.maxBackoffMs, backoff * 2);
    }
  }

  async idle(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
    await new Promise<void>((resolve) => (this.file ? this.file.end(resolve) : resolve()));
  }
}
