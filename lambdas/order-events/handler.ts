/**
 * OrderEventsLambda: the orders and inventory tables' streams → the order event bus. Each committed
 * change becomes the events it makes (order facts it shows for the first time, stock movements
 * numbered after the old image's), put on the bus in the stream's order. A batch that cannot be put
 * reports the first record not fully published: Lambda retries from there (events already put may be
 * put again: subscribers drop duplicates by eventId), and after its retries the record goes to the
 * dead-letter queue, whose alarm pages. No handler publishes: an event exists exactly when its change
 * was committed.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { eventsOfRecord, type StreamTables } from "../events/adapters/dynamodb-stream";
import { eventBridgePublisher } from "../events/adapters/eventbridge-publisher";
import type { DomainEvent } from "../events/order-events";
import type { EventPublisher } from "../events/ports";
import { createObservability, instrumented } from "../platform/observability";
import { functionConfig, ORDER_EVENTS_CONFIG } from "../platform/config";

export interface OrderEventsDeps {
  readonly publisher: EventPublisher;
  readonly tables: StreamTables;
}

const observability = createObservability("order-events");
const { logger, metrics } = observability;

/** Events put per call of the publisher: PutEvents takes ten entries. */
const CHUNK = 10;

export async function publishChanges(
  deps: OrderEventsDeps,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  const records = event.Records ?? [];
  // Each event with the record it comes from, in the stream's order.
  const events: { readonly event: DomainEvent; readonly record: number }[] = records.flatMap((record, i) =>
    eventsOfRecord(record, deps.tables).map((e) => ({ event: e, record: i })),
  );
  for (let start = 0; start < events.length; start += CHUNK) {
    const chunk = events.slice(start, start + CHUNK);
    try {
      await deps.publisher.publish(chunk.map((c) => c.event));
    } catch (error) {
      const failed = records[chunk[0].record];
      logger.error("Order events could not be put on the bus; the stream retries from this record", {
        error: (error as Error).message,
        sequenceNumber: failed.dynamodb?.SequenceNumber,
      });
      metrics.addMetric("OrderEventsPublished", MetricUnit.Count, start);
      return { batchItemFailures: [{ itemIdentifier: failed.dynamodb?.SequenceNumber ?? "" }] };
    }
  }
  metrics.addMetric("OrderEventsPublished", MetricUnit.Count, events.length);
  return { batchItemFailures: [] };
}

export function createHandler(overrides: Partial<OrderEventsDeps> = {}) {
  const config = functionConfig("OrderEvents", ORDER_EVENTS_CONFIG);
  const deps: OrderEventsDeps = {
    publisher: overrides.publisher ?? eventBridgePublisher(config),
    tables: overrides.tables ?? { orders: config.ordersTableName, inventory: config.inventoryTableName },
  };
  return (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> =>
    instrumented(observability, context, () => publishChanges(deps, event));
}

export const handler = createHandler();
