/**
 * Local EventBridge for OrderConfirmationRule: every finished execution becomes a "Step Functions
 * Execution Status Change" event, matched against the rule's own pattern; a match is delivered to
 * OrderSuccessHandler as an asynchronous invocation (two retries, then the dead-letter queue, whose
 * alarm pages CriticalAlertsTopic as deployed).
 */
import type { EventBridgeEvent } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { EXECUTION_STATUS_CHANGE, orderConfirmationPattern } from "../../lambdas/shared/events";
import type { Execution } from "../local-workflow";
import type { Invoke } from "../local-functions";
import type { LocalNotifications } from "../notifications";
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_STATE_MACHINE_ARN, LOCAL_TOPICS } from "../local-resources";
import { DurableList } from "../durable-list";
import type { Meter } from "../meter/meter";
import type { LocalService } from "./service";

export type StatusChangeEvent = EventBridgeEvent<string, unknown>;

/** Lambda's asynchronous invocation: the first attempt and two retries. */
const DELIVERY_ATTEMPTS = 3;

export interface EventService extends LocalService {
  /** The workflow's listener: publishes the execution's status change. */
  executionFinished(execution: Execution): void;
  /** Events OrderSuccessHandler could not handle (the confirmation dead-letter queue). */
  deadLetters(): readonly StatusChangeEvent[];
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

/** OrderConfirmationRule's own pattern decides, as EventBridge would. */
function matchesConfirmationRule(event: StatusChangeEvent): boolean {
  const pattern = orderConfirmationPattern(LOCAL_STATE_MACHINE_ARN);
  const detail = event.detail as { status: string; stateMachineArn: string };
  return (
    pattern.source.includes(event.source) &&
    pattern["detail-type"].includes(event["detail-type"]) &&
    pattern.detail.status.includes(detail.status) &&
    pattern.detail.stateMachineArn.includes(detail.stateMachineArn)
  );
}

export function startEventService(options: EventServiceOptions): EventService {
  const { log } = options;
  const deadLetters = new DurableList<StatusChangeEvent>(options.deadLetterPath);
  const pending = new Set<Promise<void>>();

  const deliver = async (event: StatusChangeEvent): Promise<boolean> => {
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
      try {
        await options.successHandler(event);
        return true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`OrderSuccessHandler failed (attempt ${attempt}/${DELIVERY_ATTEMPTS}): ${message}`);
      }
    }
    deadLetters.push(event);
    // As deployed, ConfirmationDeadLetterQueueNotEmptyAlarm pages CriticalAlertsTopic.
    options.notifications.publish(
      LOCAL_TOPICS.CriticalAlertsTopic,
      "ALARM: order-confirmation-dlq-not-empty",
      `An order confirmation could not be handled after ${DELIVERY_ATTEMPTS} attempts and was dead-lettered: ${JSON.stringify(event.detail)}`,
    );
    return false;
  };

  const idle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  return {
    name: "events",
    executionFinished: (execution) => {
      if (execution.status === "FAILED")
        log(`order ${execution.name} FAILED: ${execution.cause ?? execution.error}`);
      const event = statusChangeEvent(execution);
      options.meter?.record("EventBridge", `${event.source}:${event["detail-type"]}`, { serviceEvents: 1 });
      if (!matchesConfirmationRule(event)) return;
      const delivery = deliver(event).then((handled) => {
        pending.delete(delivery);
        if (!handled) {
          log(`order ${execution.name}: status change dead-lettered after ${DELIVERY_ATTEMPTS} attempts`);
        } else if (execution.status === "SUCCEEDED") {
          log(`order ${execution.name} CONFIRMED`);
        }
      });
      pending.add(delivery);
    },
    deadLetters: () => deadLetters.list(),
    idle,
    pendingCount: () => pending.size,
    stop: idle,
  };
}
