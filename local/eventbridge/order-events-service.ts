/**
 * Local order events: OrderEvents on the orders and inventory streams' twin (order-event-stream.ts),
 * putting on the order event bus's twin (order-event-bus.ts) with its role's PutEvents checked by
 * local IAM. On start, an order whose events the bus does not hold (committed while the runtime was
 * down or killed, its stream records lost with the database process) is published again — its
 * events keep their ids, as a redelivered stream record's would.
 */
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { DETAIL_TYPES, orderEventsOf, type DomainEvent } from "../../lambdas/events/order-events";
import type { EventPublisher } from "../../lambdas/events/ports";
import type { OrderRecord } from "../../lambdas/orders/order";
import { dynamoDbService } from "../dynamodb/service";
import { lambdaService } from "../lambda/service";
import { StatusReply, type AdminRoutes } from "../admin/routes";
import { INVENTORY_TABLE, ORDERS_TABLE } from "../../lambdas/platform/table-definitions";
import type { RuntimeContext, ServiceModule } from "../runtime/context";
import { LOCAL_RESOURCES, LOCAL_TABLES, tableArn } from "../runtime/resources";
import type { LocalService } from "../runtime/service";
import { putEventsChecks } from "../iam/aws-calls";
import { LocalOrderEventBus, type BusEvent, type DeadLetteredEvent } from "./order-event-bus";
import { OrderEventStream } from "./order-event-stream";
import { isOrderImage } from "../../lambdas/events/adapters/dynamodb-stream";

export interface OrderEventsService extends LocalService {
  readonly bus: LocalOrderEventBus;
  deadLetters(): readonly DeadLetteredEvent[];
  streamDeadLetters(): readonly unknown[];
  isIdle(): Promise<boolean>;
}

const bus = LOCAL_RESOURCES.orderEventBus;

/** The stream reads the deployed mappings make with OrderEvents' role: refused, nothing would publish. */
function checkStreamAccess(ctx: RuntimeContext): void {
  for (const stream of [LOCAL_RESOURCES.ordersTableStream, LOCAL_RESOURCES.inventoryTableStream]) {
    const denied = ctx.iam?.guard.denial("OrderEvents", [
      { action: "dynamodb:GetRecords", resource: stream.arn },
      { action: "dynamodb:GetShardIterator", resource: stream.arn },
    ]);
    if (denied) {
      throw new Error(
        `The OrderEvents event source mapping cannot be created: its role may not read ${stream.arn} (${denied.message})`,
      );
    }
  }
}

/** What OrderEvents' EventBridge client does: PutEvents on the bus, under its role. */
function publisherFor(ctx: RuntimeContext, target: LocalOrderEventBus): EventPublisher {
  return {
    publish: async (events: readonly DomainEvent[]) => {
      ctx.iam?.deny("OrderEvents", putEventsChecks(bus.arn), () => "AccessDeniedException");
      target.put(
        events.map((e) => ({
          Source: bus.source,
          DetailType: e.detailType,
          Detail: JSON.stringify(e.detail),
          Time: e.detail.occurredAt,
        })),
      );
    },
  };
}

/** Orders whose events the bus is missing, each as a stream record of the order as it is (an insert). */
async function republishMissing(
  ctx: RuntimeContext,
  target: LocalOrderEventBus,
  publish: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
): Promise<number> {
  const { client } = ctx.need(dynamoDbService);
  let republished = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: LOCAL_TABLES.orders, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    const missing = (page.Items ?? []).filter((item) => {
      const order = unmarshall(item) as Partial<OrderRecord>;
      return (
        isOrderImage(order) && orderEventsOf(undefined, order).some((e) => !target.hasEvent(e.detail.eventId))
      );
    });
    for (let i = 0; i < missing.length; i += 100) {
      await publish({
        Records: missing.slice(i, i + 100).map((item) => ({
          eventName: "INSERT",
          eventSource: "aws:dynamodb",
          eventSourceARN: `${tableArn(LOCAL_TABLES.orders)}/stream/local`,
          dynamodb: { Keys: { orderId: item.orderId } as never, NewImage: item as never },
        })),
      });
    }
    republished += missing.length;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return republished;
}

function routes(target: LocalOrderEventBus): AdminRoutes {
  return {
    get: {
      "order-events": (query) => {
        const detailType = query.get("detailType") ?? undefined;
        if (detailType !== undefined && !(DETAIL_TYPES as readonly string[]).includes(detailType)) {
          return StatusReply.error(
            400,
            "INVALID_DETAIL_TYPE",
            `detailType must be one of ${DETAIL_TYPES.join(", ")}.`,
          );
        }
        const limit = Number(query.get("limit") ?? 100);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          return StatusReply.error(400, "INVALID_LIMIT", "limit must be a whole number from 1 to 1000.");
        }
        const events: BusEvent[] = target.list({
          detailType,
          orderId: query.get("orderId") ?? undefined,
          limit,
        });
        return { events };
      },
    },
  };
}

export const orderEventsService: ServiceModule<OrderEventsService> = {
  name: "order-events",
  start: async (ctx) => {
    const { settings } = ctx;
    checkStreamAccess(ctx);
    const target = new LocalOrderEventBus({
      subscriptions: settings.eventSubscriptions,
      delivery: settings.eventDelivery,
      eventsPath: settings.dataDir && join(settings.dataDir, "events", "order-events.jsonl"),
      deadLetterPath:
        settings.dataDir && join(settings.dataDir, "queue", "order-event-subscription-dlq.jsonl"),
      log: ctx.log,
      meter: ctx.meter,
    });
    const publish = ctx
      .need(lambdaService)
      .functions.handler<DynamoDBStreamEvent, DynamoDBBatchResponse>("OrderEvents", {
        publisher: publisherFor(ctx, target),
      });
    const republished = await republishMissing(ctx, target, publish);
    if (republished > 0)
      ctx.log(`Order events: ${republished} orders' events published again after a restart`);
    const stream = new OrderEventStream({
      dynamoDbEndpoint: ctx.need(dynamoDbService).endpoint,
      tables: {
        [LOCAL_TABLES.orders]: ORDERS_TABLE.partitionKey,
        [LOCAL_TABLES.inventory]: INVENTORY_TABLE.partitionKey,
      },
      publish,
      deadLetterPath: settings.dataDir && join(settings.dataDir, "queue", "order-events-dlq.jsonl"),
      log: ctx.log,
    });
    return {
      name: "order-events",
      bus: target,
      routes: routes(target),
      deadLetters: () => target.deadLetters(),
      streamDeadLetters: () => stream.deadLetters(),
      isIdle: async () => target.pendingCount() === 0 && (await stream.isIdle()),
      stop: async () => {
        await stream.stop();
        await target.stop();
      },
    };
  },
};
