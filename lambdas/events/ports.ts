/** Where the events go: the order event bus (EventBridge), or its local twin. */
import type { DomainEvent } from "./order-events";

export interface EventPublisher {
  /** Puts every event on the bus, or throws: nothing is dropped silently. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}
