/**
 * The local EventBridge routes by OrderConfirmationRule's own pattern for the workflow type: the
 * status change with STANDARD, the workflow's own events with EXPRESS, nothing else.
 */
import { orderConfirmationPattern } from "../../lambdas/workflow/events";
import { LOCAL_EVENT_BUS_ARN, LOCAL_STATE_MACHINE_ARN } from "../../local/runtime/resources";
import { matchesPattern, putEventOf, statusChangeEvent } from "../../local/eventbridge/rule";
import type { Execution } from "../../local/sfn/interpreter";

const execution = (status: Execution["status"]): Execution => ({
  name: "o-1",
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:order-processing:o-1`,
  input: "{}",
  status,
  startDate: 0,
});

const announced = (detailType: string, status: string, source = "order-system.workflow") =>
  putEventOf({
    EventBusName: LOCAL_EVENT_BUS_ARN,
    Source: source,
    DetailType: detailType,
    Detail: JSON.stringify({ orderId: "o-1", status, stateMachineArn: LOCAL_STATE_MACHINE_ARN }),
  });

const standard = orderConfirmationPattern(LOCAL_STATE_MACHINE_ARN, "STANDARD");
const express = orderConfirmationPattern(LOCAL_STATE_MACHINE_ARN, "EXPRESS");

test("STANDARD matches ended executions' status changes, not the workflow's own events", () => {
  expect(matchesPattern(standard, statusChangeEvent(execution("SUCCEEDED")))).toBe(true);
  expect(matchesPattern(standard, statusChangeEvent(execution("FAILED")))).toBe(true);
  expect(matchesPattern(standard, statusChangeEvent(execution("RUNNING")))).toBe(false);
  expect(matchesPattern(standard, announced("Order Confirmed", "SUCCEEDED"))).toBe(false);
});

test("EXPRESS matches the workflow's Order Confirmed and Order Failed, from its source and machine only", () => {
  expect(matchesPattern(express, announced("Order Confirmed", "SUCCEEDED"))).toBe(true);
  expect(matchesPattern(express, announced("Order Failed", "FAILED"))).toBe(true);
  expect(matchesPattern(express, announced("Order Shipped", "SUCCEEDED"))).toBe(false);
  expect(matchesPattern(express, announced("Order Confirmed", "SUCCEEDED", "somebody.else"))).toBe(false);
  expect(matchesPattern(express, statusChangeEvent(execution("SUCCEEDED")))).toBe(false);
  const otherMachine = putEventOf({
    EventBusName: LOCAL_EVENT_BUS_ARN,
    Source: "order-system.workflow",
    DetailType: "Order Confirmed",
    Detail: { orderId: "o-1", status: "SUCCEEDED", stateMachineArn: "arn:aws:states:::stateMachine:other" },
  });
  expect(matchesPattern(express, otherMachine)).toBe(false);
});
