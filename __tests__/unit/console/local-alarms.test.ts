/** The alarms the console evaluates on local figures: each one both ways. */
import {
  evaluateAlarms,
  LOCAL_QUEUE_DEPTH_THRESHOLD,
  type LocalFigures,
} from "../../../local/console/local-alarms";

const now = Date.parse("2026-12-02T10:00:00.000Z");
const quiet: LocalFigures = {
  ordersQueueVisible: 0,
  ordersDeadLetters: 0,
  confirmationDeadLetters: 0,
  streamDeadLetters: 0,
  unexpectedFailureTimes: [],
};
const stateOf = (figures: Partial<LocalFigures>, alarm: string) =>
  evaluateAlarms({ ...quiet, ...figures }, now).find((a) => a.alarm === alarm)?.state;

test("a quiet system pages nobody", () => {
  expect(evaluateAlarms(quiet, now).every((a) => a.state === "OK")).toBe(true);
});

test.each([
  [
    "OrdersQueueDepthAlarm",
    { ordersQueueVisible: LOCAL_QUEUE_DEPTH_THRESHOLD },
    { ordersQueueVisible: LOCAL_QUEUE_DEPTH_THRESHOLD + 1 },
  ],
  ["OrdersDeadLetterQueueNotEmptyAlarm", { ordersDeadLetters: 0 }, { ordersDeadLetters: 1 }],
  [
    "ConfirmationDeadLetterQueueNotEmptyAlarm",
    { confirmationDeadLetters: 0 },
    { confirmationDeadLetters: 1 },
  ],
  ["OrderStreamDeadLetterQueueNotEmptyAlarm", { streamDeadLetters: 0 }, { streamDeadLetters: 1 }],
  [
    "OrderProcessingWorkflowFailureAlarm",
    { unexpectedFailureTimes: [now - 301_000] },
    { unexpectedFailureTimes: [now - 299_000] },
  ],
])("%s: OK at the threshold's edge, ALARM past it", (alarm, ok, breaching) => {
  expect(stateOf(ok, alarm)).toBe("OK");
  expect(stateOf(breaching, alarm)).toBe("ALARM");
});
