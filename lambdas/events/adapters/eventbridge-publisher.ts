/**
 * The order event bus through EventBridge's PutEvents: ten entries per call (its limit), and the
 * entries a call reports as failed (throttled, say) put again a few times before the batch fails.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { DomainEvent } from "../order-events";
import type { EventPublisher } from "../ports";

/** PutEvents' limit of entries per call. */
const ENTRIES_PER_CALL = 10;
const ATTEMPTS = 4;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source: string,
    /** The first pause before an entry is put again; it doubles each time. */
    private readonly backoffMs = 100,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
      let entries: PutEventsRequestEntry[] = events.slice(start, start + ENTRIES_PER_CALL).map((event) => ({
        EventBusName: this.busName,
        Source: this.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.occurredAt),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        if (attempt > ATTEMPTS) {
          throw new Error(`${entries.length} order event(s) could not be put on ${this.busName}.`);
        }
        if (attempt > 1) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 2)));
        const { Entries = [] } = await this.client.send(new PutEventsCommand({ Entries: entries }));
        entries = entries.filter((_, i) => Entries[i]?.ErrorCode !== undefined);
      }
    }
  }
}

export function eventBridgePublisher(config: {
  readonly orderEventBusName: string;
  readonly orderEventSource: string;
}): EventBridgePublisher {
  return new EventBridgePublisher(
    new EventBridgeClient({}),
    config.orderEventBusName,
    config.orderEventSource,
  );
}
