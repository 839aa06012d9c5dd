/**
 * OrdersQueue and its event source mapping: an in-process queue with SQS semantics (visibility
 * timeout, receive count, dead-letter queue after maxReceiveCount, batches with a window) feeding
 * StartOrderProcessing, whose partial batch failures are redelivered.
 */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { join } from "node:path";
import type { OrderQueue } from "../../lambdas/workflow/ports";
import { ORDERS_QUEUE_SETTINGS } from "../../lambdas/platform/queue-settings";
import type { Invoke } from "../lambda/functions";
import { LocalQueue } from "./queue";
import { LOCAL_ORDERS_QUEUE_ARN, LOCAL_TOPICS } from "../runtime/resources";
import type { LocalNotifications } from "../sns/notifications";
import type { Meter } from "../meter/meter";
import type { LocalService } from "../runtime/service";

export interface QueueService extends LocalService {
  readonly queue: LocalQueue;
  /** The OrderQueue port OrderPlacement is given. */
  readonly sender: OrderQueue;
}

export interface QueueServiceOptions {
  readonly consumer: Invoke<SQSEvent, SQSBatchResponse>;
  readonly notifications: LocalNotifications;
  readonly visibilityTimeoutMs?: number;
  readonly batchingWindowMs?: number;
  readonly concurrency?: number;
  /** Keeps the queue and its dead letters in <dataDir>/queue/ across stops and crashes. */
  readonly dataDir?: string;
  readonly log: (line: string) => void;
  readonly meter?: Meter;
}

/** On stop, how long the queue keeps delivering what it holds (the batching window included). */
export const QUEUE_DRAIN_TIMEOUT_MS = 10_000;

export function startQueueService(options: QueueServiceOptions): QueueService {
  const { log } = options;
  const queue = new LocalQueue({
    queueArn: LOCAL_ORDERS_QUEUE_ARN,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? ORDERS_QUEUE_SETTINGS.visibilityTimeoutSeconds * 1000,
    maxReceiveCount: ORDERS_QUEUE_SETTINGS.maxReceiveCount,
    batchSize: ORDERS_QUEUE_SETTINGS.batchSize,
    batchingWindowMs: options.batchingWindowMs ?? ORDERS_QUEUE_SETTINGS.maxBatchingWindowSeconds * 1000,
    concurrency: options.concurrency ?? 5,
    journalPath: options.dataDir ? join(options.dataDir, "queue", "orders-queue.jsonl") : undefined,
    drainTimeoutMs: QUEUE_DRAIN_TIMEOUT_MS,
    meter: options.meter,
    // Locally the OrdersDeadLetterQueueNotEmptyAlarm fires at once and pages CriticalAlertsTopic.
    onDeadLetter: (message) => {
      log(
        `message ${message.messageId} moved to the dead-letter queue after ${message.receiveCount - 1} receives`,
      );
      options.notifications.publish(
        LOCAL_TOPICS.CriticalAlertsTopic,
        "ALARM: orders-dlq-not-empty",
        `An order message reached the dead-letter queue after ${ORDERS_QUEUE_SETTINGS.maxReceiveCount} receives: ${message.body}`,
      );
    },
    onConsumerError: (error) => log(`StartOrderProcessing failed a whole batch: ${String(error)}`),
  });
  queue.start(options.consumer);
  return {
    name: "queue",
    queue,
    sender: { send: async (message) => void queue.send(JSON.stringify(message)) },
    stop: () => queue.stop(),
  };
}
