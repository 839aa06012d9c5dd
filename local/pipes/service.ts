/**
 * Local EventBridge Pipes: the outbox pipe (orders table stream → OrdersQueue), started after
 * re-queueing what a previous run left unfinished: from here on, every accepted order is on its way
 * to CONFIRMED or FAILED.
 */
import { join } from "node:path";
import type { OrderQueue } from "../../lambdas/workflow/ports";
import { dynamoDbService } from "../dynamodb/service";
import type { RuntimeContext, ServiceModule } from "../runtime/context";
import { LOCAL_TABLES } from "../runtime/resources";
import { snsService } from "../sns/service";
import { sqsService } from "../sqs/service";
import { guardPipeTarget } from "./iam";
import { startOrderOutbox, type OutboxService } from "./outbox";
import { resumeUnfinishedOrders } from "./recovery";

/** Re-queues unfinished orders now and after each restart of the database; counts resumes in progress. */
async function resumeOnRestart(ctx: RuntimeContext, sender: OrderQueue): Promise<() => number> {
  const database = ctx.need(dynamoDbService);
  const queue = ctx.need(sqsService).queue;
  const resume = () =>
    resumeUnfinishedOrders({
      client: database.client,
      ordersTable: LOCAL_TABLES.orders,
      orderKeysTable: LOCAL_TABLES.orderKeys,
      queue: sender,
      alreadyQueued: queue.queuedBodies(),
      log: ctx.log,
    });
  await resume();
  // Stream records the dead database had not yet handed to the pipe died with it: resume instead.
  // A resume in progress is delivery not yet done: the system is not settled until it finishes.
  let resuming = 0;
  database.onRestart(() => {
    resuming++;
    void resume()
      .catch((error: unknown) => ctx.log(`Resuming failed: ${String(error)}`))
      .finally(() => resuming--);
  });
  return () => resuming;
}

export const pipesService: ServiceModule<OutboxService> = {
  name: "pipes",
  start: async (ctx) => {
    const { settings, iam, meter, watch } = ctx;
    const database = ctx.need(dynamoDbService);
    const { sender } = ctx.need(sqsService);
    // The pipe sends with its own role.
    const piping = iam ? guardPipeTarget(iam, sender) : sender;
    const target = settings.wrapPorts?.orderQueue?.(piping) ?? piping;
    const resuming = await resumeOnRestart(ctx, target);
    // The deployed pipe bills a request per stream record that passes its filter.
    const piped: OrderQueue = {
      send: async (message) => {
        meter.record("EventBridge Pipes", "OrderOutboxPipe", { requests: 1 });
        await target.send(message);
        watch.onQueued(message.orderId);
      },
    };
    const outbox = await startOrderOutbox({
      dynamoDbEndpoint: database.endpoint,
      client: database.client,
      ordersTable: LOCAL_TABLES.orders,
      queue: piped,
      notifications: ctx.need(snsService).notifications,
      deadLetterPath: settings.dataDir && join(settings.dataDir, "queue", "order-stream-dlq.jsonl"),
      log: ctx.log,
      onOrder: watch.onOrder,
    });
    return {
      name: outbox.name,
      deadLetters: () => outbox.deadLetters(),
      isIdle: async () => resuming() === 0 && (await outbox.isIdle()),
      stop: () => outbox.stop(),
    };
  },
};
