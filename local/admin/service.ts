/**
 * The runtime's own /_local routes that span services: the meter (what AWS would bill), local IAM's
 * denials, the queues and their dead letters, and the redrive `npm run redrive` does in AWS.
 */
import { eventBridgeService } from "../eventbridge/service";
import type { EventService } from "../eventbridge/rule";
import { pipesService } from "../pipes/service";
import { orderEventsService } from "../eventbridge/order-events-service";
import type { RuntimeContext, ServiceModule } from "../runtime/context";
import type { LocalService } from "../runtime/service";
import type { QueueService } from "../sqs/consumer";
import { sqsService } from "../sqs/service";
import { localError, REDRIVE_QUEUES, type LocalActions } from "./routes";

/** How many orders' ids a redrive shows before moving them. */
const REDRIVE_SAMPLE = 10;

function redriveReport(queue: string, orderIds: string[], moved: number, dryRun: boolean) {
  return {
    queue,
    waiting: orderIds.length,
    sample: orderIds.slice(0, REDRIVE_SAMPLE),
    moved,
    dryRun,
    note: "Orders are idempotent end to end: a redriven order is charged, decremented, confirmed and mailed at most once.",
  };
}

/**
 * POST /_local/redrive?queue=orders|confirmations[&dryRun=true]: how many wait, a sample of their
 * orders, then every one moved back (orders to OrdersQueue; confirmations handed to
 * OrderSuccessHandler again).
 */
function redriveAction(queue: QueueService, events: EventService): LocalActions[string] {
  const orderIdOf = (value: unknown) =>
    String((value as { orderId?: string; name?: string }).orderId ?? (value as { name?: string }).name);
  const queues: Record<(typeof REDRIVE_QUEUES)[number], { waiting: () => string[]; redrive: () => number }> =
    {
      orders: {
        waiting: () => queue.queue.deadLetterMessages().map((m) => orderIdOf(JSON.parse(m.body))),
        redrive: () => queue.queue.redriveDeadLetters(),
      },
      confirmations: {
        waiting: () => events.deadLetters().map((e) => orderIdOf(e.detail)),
        redrive: () => events.redriveDeadLetters(),
      },
    };
  return async (_body, _headers, query) => {
    const name = query.get("queue") ?? "";
    const dryRun = query.get("dryRun") === "true";
    if (!(REDRIVE_QUEUES as readonly string[]).includes(name)) {
      return localError(
        400,
        "INVALID_QUEUE",
        `Name the dead-letter queue: ${REDRIVE_QUEUES.map((q) => `?queue=${q}`).join(" or ")}.`,
      );
    }
    const target = queues[name as (typeof REDRIVE_QUEUES)[number]];
    const waiting = target.waiting();
    const moved = dryRun ? 0 : target.redrive();
    return { status: 200, body: redriveReport(name, waiting, moved, dryRun) };
  };
}

function adminRoutes(ctx: RuntimeContext) {
  const queue = ctx.need(sqsService);
  const events = ctx.need(eventBridgeService);
  const outbox = ctx.need(pipesService);
  const orderEvents = ctx.need(orderEventsService);
  const { meter, iam } = ctx;
  return {
    get: {
      meter: () => meter.report(),
      iam: () => ({ enforced: iam !== undefined, denials: iam?.denials() ?? [] }),
      queue: () => ({
        ...queue.queue.stats(),
        deadLetters: queue.queue.deadLetterMessages().map((m) => JSON.parse(m.body) as unknown),
        confirmationDeadLetters: events.deadLetters().map((e) => e.detail),
        streamDeadLetters: outbox.deadLetters(),
        // Order events a subscriber never accepted, and stream records OrderEvents could not publish.
        orderEventDeadLetters: orderEvents.deadLetters(),
        orderEventStreamDeadLetters: orderEvents.streamDeadLetters(),
      }),
    },
    post: {
      redrive: redriveAction(queue, events),
      "meter/reset": async () => {
        meter.reset();
        return { status: 200, body: meter.report() };
      },
    } satisfies LocalActions,
  };
}

export const adminService: ServiceModule<LocalService> = {
  name: "admin",
  start: (ctx) => ({ name: "admin", routes: adminRoutes(ctx), stop: async () => {} }),
};
