/**
 * Local EventBridge for OrderConfirmationRule. STANDARD: every finished execution becomes a "Step
 * Functions Execution Status Change" event. EXPRESS: Express executions emit none; the workflow's own
 * PutEvents ("Order Confirmed"/"Order Failed") arrive instead. Either is matched against the rule's
 * own pattern for the mode; a match is delivered to OrderSuccessHandler as an asynchronous invocation
 * (two retries, then the dead-letter queue, whose alarm pages CriticalAlertsTopic as deployed).
 */
import type { EventBridgeEvent } from "aws-lambda";
import { randomUUID } from "node:crypto";
import {
  EXECUTION_STATUS_CHANGE,
  orderConfirmationPattern,
  type OrderConfirmationPattern,
} from "../../lambdas/workflow/events";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../../lambdas/workflow/type";
import { payloadChunks } from "../meter/meter";
import type { PutEventsEntry } from "../sfn/workflow";
import type { Execution } from "../sfn/interpreter";
import type { Invoke } from "../lambda/functions";
import type { LocalNotifications } from "../sns/notifications";
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_STATE_MACHINE_ARN, LOCAL_TOPICS } from "../runtime/resources";
import { DurableList } from "../runtime/durable-list";
import type { Meter } from "../meter/meter";
import type { LocalService } from "../runtime/service";

export type StatusChangeEvent = EventBridgeEvent<string, unknown>;

/** Lambda's asynchronous invocation: the first attempt and two retries. */
const DELIVERY_ATTEMPTS = 3;
/**
 * Before each retry, this times the attempt number (Lambda waits about 1 and 2 minutes): a second
 * delivery that found the first still sending its e-mail comes back after it, as it would on AWS.
 */
const DELIVERY_RETRY_DELAY_MS = 100;

export interface EventService extends LocalService {
  /** The workflow's listener: publishes the execution's status change (STANDARD only, as on AWS). */
  executionFinished(execution: Execution): void;
  /** PutEvents on the default bus (the EXPRESS workflow's own end-of-order events). */
  putEvents(entries: readonly PutEventsEntry[]): Promise<void>;
  /** Events OrderSuccessHandler could not handle (the confirmation dead-letter queue). */
  deadLetters(): readonly StatusChangeEvent[];
  /** Hands every dead-lettered event to OrderSuccessHandler again; resolves with how many. */
  redriveDeadLetters(): number;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  pendingCount(): number;
}

export interface EventServiceOptions {
  readonly successHandler: Invoke<StatusChangeEvent, unknown>;
  readonly notifications: LocalNotifications;
  /** Keeps the confirmation dead-letter queue in this file across stops and crashes. */
  readonly deadLetterPath?: string;
  readonly log: (line: string) => void;
  /** Counts the events on the default bus (AWS service events are not billed). */
  readonly meter?: Meter;
  /** Which events end an order, and so which pattern OrderConfirmationRule has. */
  readonly workflowType?: WorkflowType;
}

export function statusChangeEvent(execution: Execution): StatusChangeEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": EXECUTION_STATUS_CHANGE,
    source: "aws.states",
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: LOCAL_STATE_MACHINE_ARN,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate,
      input: execution.input,
      output: execution.output ?? null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/** An event's field matches a pattern's field: a list of values, or a nested pattern. */
function fieldMatches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(value);
  if (typeof pattern !== "object" || pattern === null) return false;
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(pattern).every(([key, sub]) =>
    fieldMatches(sub, (value as Record<string, unknown>)[key]),
  );
}

/** OrderConfirmationRule's own pattern decides, as EventBridge would (exact values, nested fields). */
export function matchesPattern(pattern: OrderConfirmationPattern, event: StatusChangeEvent): boolean {
  return fieldMatches(pattern, event);
}

/** The event PutEvents makes of an entry on the default bus. */
export function putEventOf(entry: PutEventsEntry): StatusChangeEvent {
  const detail = typeof entry.Detail === "string" ? JSON.parse(entry.Detail) : entry.Detail;
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": entry.DetailType,
    source: entry.Source,
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [],
    detail,
  };
}

/**
 * Lambda's asynchronous invocation: the first attempt and two retries, then the dead-letter queue,
 * whose alarm (as deployed) pages CriticalAlertsTopic. True when the handler took the event.
 */
async function deliverWithRetries(
  options: EventServiceOptions,
  deadLetters: DurableList<StatusChangeEvent>,
  event: StatusChangeEvent,
): Promise<boolean> {
  for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, DELIVERY_RETRY_DELAY_MS * (attempt - 1)));
    try {
      await options.successHandler(event);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.log(`OrderSuccessHandler failed (attempt ${attempt}/${DELIVERY_ATTEMPTS}): ${message}`);
    }
  }
  deadLetters.push(event);
  options.notifications.publish(
    LOCAL_TOPICS.CriticalAlertsTopic,
    "ALARM: order-confirmation-dlq-not-empty",
    `An order confirmation could not be handled after ${DELIVERY_ATTEMPTS} attempts and was dead-lettered: ${JSON.stringify(event.detail)}`,
  );
  return false;
}

export function startEventService(options: EventServiceOptions): EventService {
  const { log } = options;
  const deadLetters = new DurableList<StatusChangeEvent>(options.deadLetterPath);
  const pending = new Set<Promise<void>>();

  const deliver = (event: StatusChangeEvent) => deliverWithRetries(options, deadLetters, event);

  const type = options.workflowType ?? DEFAULT_WORKFLOW_TYPE;
  const pattern = orderConfirmationPattern(LOCAL_STATE_MACHINE_ARN, type);
  /** Lambda's asynchronous invocation of OrderSuccessHandler, tracked until it ends. */
  const invoke = (event: StatusChangeEvent, orderId: string, status: string) => {
    const delivery = deliver(event).then((handled) => {
      pending.delete(delivery);
      if (!handled) {
        log(`order ${orderId}: ${event["detail-type"]} dead-lettered after ${DELIVERY_ATTEMPTS} attempts`);
      } else if (status === "SUCCEEDED") {
        log(`order ${orderId} CONFIRMED`);
      }
    });
    pending.add(delivery);
  };
  /** OrderConfirmationRule: only what its pattern matches reaches the function. */
  const route = (event: StatusChangeEvent, orderId: string, status: string) => {
    if (matchesPattern(pattern, event)) invoke(event, orderId, status);
  };

  const idle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  return {
    name: "events",
    executionFinished: (execution) => {
      if (execution.status === "FAILED")
        log(`order ${execution.name} FAILED: ${execution.cause ?? execution.error}`);
      if (type === "EXPRESS") return;
      const event = statusChangeEvent(execution);
      options.meter?.record("EventBridge", `${event.source}:${event["detail-type"]}`, { serviceEvents: 1 });
      route(event, execution.name, execution.status);
    },
    putEvents: async (entries) => {
      for (const entry of entries) {
        const event = putEventOf(entry);
        // Custom events are billed per 64 KB chunk of each entry.
        options.meter?.record("EventBridge", "PutEvents", {
          events: payloadChunks(Buffer.byteLength(JSON.stringify(event))),
        });
        const detail = event.detail as { orderId?: string; status?: string };
        route(event, detail.orderId ?? "?", detail.status ?? "");
      }
    },
    deadLetters: () => deadLetters.list(),
    redriveDeadLetters: () => {
      const events = deadLetters.takeAll();
      for (const event of events) {
        const detail = event.detail as { orderId?: string; name?: string; status?: string };
        // Straight to the function, as the redrive script invokes it: the rule matched them once.
        invoke(event, detail.orderId ?? detail.name ?? "?", detail.status ?? "");
      }
      return events.length;
    },
    idle,
    pendingCount: () => pending.size,
    stop: idle,
  };
}
