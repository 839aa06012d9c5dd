/** The order module owns the statuses and their transitions; everything that changes a status obeys it. */
import {
  isFinalStatus,
  isInFlight,
  isLegalTransition,
  ORDER_ATTRIBUTES,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  statusesBefore,
  type OrderStatus,
} from "../../lambdas/orders/order";
import { buildOrderWorkflowDefinition, STATES } from "../../lambdas/workflow/definition";

/** Every status change the system makes: [who, from, to]. */
const CHANGES_MADE: [string, OrderStatus, OrderStatus][] = [
  ["ValidateOrder prices a new order", "PENDING", "PROCESSING"],
  ["ValidateOrder retried", "PROCESSING", "PROCESSING"],
  ["OrderFailed after a failed validation", "PENDING", "FAILED"],
  ["OrderFailed after payment or stock failed", "PROCESSING", "FAILED"],
  ["OrderSuccessHandler on a succeeded execution", "PROCESSING", "CONFIRMED"],
];

test.each(CHANGES_MADE)("%s (%s → %s) is a legal transition", (_, from, to) => {
  expect(isLegalTransition(from, to)).toBe(true);
});

test("FAILED, CANCELLED and RETURNED are final: no transition leaves them", () => {
  expect(ORDER_STATUSES.filter(isFinalStatus)).toEqual(["FAILED", "CANCELLED", "RETURNED"]);
  for (const to of ORDER_STATUSES) {
    expect(isLegalTransition("FAILED", to)).toBe(false);
    expect(isLegalTransition("CANCELLED", to)).toBe(false);
    expect(isLegalTransition("RETURNED", to)).toBe(false);
  }
  expect(isLegalTransition("PROCESSING", "PENDING")).toBe(false);
});

test("a confirmed order is shipped or cancelled, never failed or confirmed again; shipping ends cancelling", () => {
  expect(ORDER_TRANSITIONS.CONFIRMED).toEqual(["SHIPPED", "CANCELLED"]);
  expect(statusesBefore("CANCELLED")).toEqual(["PENDING", "PROCESSING", "CONFIRMED"]);
  expect(statusesBefore("SHIPPED")).toEqual(["CONFIRMED"]);
  // A shipped order only leaves SHIPPED when every unit came back; nothing else reaches RETURNED.
  expect(ORDER_TRANSITIONS.SHIPPED).toEqual(["RETURNED"]);
  expect(statusesBefore("RETURNED")).toEqual(["SHIPPED"]);
  expect(ORDER_STATUSES.filter(isInFlight)).toEqual(["PENDING", "PROCESSING"]);
});

test("a store's guard lists exactly the statuses a change may start from", () => {
  expect(statusesBefore("PROCESSING")).toEqual(["PENDING", "PROCESSING"]);
  expect(statusesBefore("CONFIRMED")).toEqual(["PENDING", "PROCESSING"]);
  expect(statusesBefore("PENDING")).toEqual([]);
  expect(Object.keys(ORDER_TRANSITIONS)).toEqual([...ORDER_STATUSES]);
});

test("the workflow's failure update writes FAILED with the order module's attribute names", () => {
  const definition = buildOrderWorkflowDefinition({
    functionArn: (id) => `arn:aws:lambda:us-east-1:1:function:${id}`,
    ordersTableName: "orders",
    orderErrorTopicArn: "e",
    criticalAlertsTopicArn: "c",
    eventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default",
    paymentActionTimeoutSeconds: 1800,
  });
  const parameters = definition.States[STATES.orderFailed].Parameters as {
    UpdateExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, { S?: string }>;
  };
  expect(parameters.ExpressionAttributeNames["#status"]).toBe(ORDER_ATTRIBUTES.status);
  for (const attribute of [
    ORDER_ATTRIBUTES.failureCode,
    ORDER_ATTRIBUTES.failureReason,
    ORDER_ATTRIBUTES.updatedAt,
  ]) {
    expect(parameters.UpdateExpression).toContain(`${attribute} = :`);
  }
  const failed: OrderStatus = "FAILED";
  expect(parameters.ExpressionAttributeValues[":failed"].S).toBe(failed);
});
