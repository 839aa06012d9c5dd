/**
 * The stack's alarms whose metrics the local runtime has, evaluated on the local figures with the
 * deployed thresholds (a test compares them with the synthesized alarms): what would have paged
 * someone. Evaluated when read, over the alarm's own period where it counts events; a queue's depth
 * is read now (AWS takes the maximum of each minute). The others (function errors and throttles, API
 * 5XX, SES reputation, WAF, stuck orders, low-stock messages not sent) have no local metric: their
 * causes show in the log and feed.
 */
export interface LocalFigures {
  readonly ordersQueueVisible: number;
  readonly ordersDeadLetters: number;
  readonly confirmationDeadLetters: number;
  readonly streamDeadLetters: number;
  /**
   * When the workflow counted each unexpected failure (epoch ms): a declined card or short stock
   * ends an execution FAILED too, and pages nobody.
   */
  readonly unexpectedFailureTimes: readonly number[];
}

export type Comparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";

export interface LocalAlarmDefinition {
  /** The alarm's logical id in the stack. */
  readonly alarm: string;
  readonly threshold: number;
  readonly comparison: Comparison;
  /** The alarm's period when it sums events (seconds); absent for a level read now. */
  readonly periodSeconds?: number;
  readonly metric: string;
  readonly value: (figures: LocalFigures, now: number) => number;
}

/** queue_depth_alarm_threshold's default: the local runtime has no such setting. */
export const LOCAL_QUEUE_DEPTH_THRESHOLD = 10;

const countSince = (stops: readonly number[], since: number) => stops.filter((t) => t > since).length;

/** Any message in a dead-letter queue pages someone (the stack's deadLetterAlarm). */
const deadLetterAlarm = (
  alarm: string,
  queue: string,
  value: (figures: LocalFigures) => number,
): LocalAlarmDefinition => ({
  alarm,
  threshold: 0,
  comparison: "GreaterThanThreshold",
  metric: `${queue} messages`,
  value,
});

export const LOCAL_ALARMS: readonly LocalAlarmDefinition[] = [
  {
    alarm: "OrdersQueueDepthAlarm",
    threshold: LOCAL_QUEUE_DEPTH_THRESHOLD,
    comparison: "GreaterThanThreshold",
    metric: "OrdersQueue messages visible",
    value: (f) => f.ordersQueueVisible,
  },
  deadLetterAlarm("OrdersDeadLetterQueueNotEmptyAlarm", "OrdersDeadLetterQueue", (f) => f.ordersDeadLetters),
  deadLetterAlarm(
    "ConfirmationDeadLetterQueueNotEmptyAlarm",
    "OrderConfirmationDeadLetterQueue",
    (f) => f.confirmationDeadLetters,
  ),
  deadLetterAlarm(
    "OrderStreamDeadLetterQueueNotEmptyAlarm",
    "OrderStreamDeadLetterQueue",
    (f) => f.streamDeadLetters,
  ),
  {
    alarm: "OrderProcessingWorkflowFailureAlarm",
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    periodSeconds: 300,
    metric: "Unexpected order failures",
    value: (f, now) => countSince(f.unexpectedFailureTimes, now - 300_000),
  },
];

export interface AlarmState {
  readonly alarm: string;
  readonly state: "ALARM" | "OK";
  readonly metric: string;
  readonly value: number;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly periodSeconds?: number;
}

export function evaluateAlarms(figures: LocalFigures, now = Date.now()): AlarmState[] {
  return LOCAL_ALARMS.map((definition) => {
    const value = definition.value(figures, now);
    const breaching =
      definition.comparison === "GreaterThanThreshold"
        ? value > definition.threshold
        : value >= definition.threshold;
    return {
      alarm: definition.alarm,
      state: breaching ? "ALARM" : "OK",
      metric: definition.metric,
      value,
      threshold: definition.threshold,
      comparison: definition.comparison,
      ...(definition.periodSeconds ? { periodSeconds: definition.periodSeconds } : {}),
    };
  });
}
