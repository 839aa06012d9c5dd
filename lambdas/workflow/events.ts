/**
 * The events that end an order's workflow, and OrderConfirmationRule's pattern for them, shared by the
 * stack, the workflow definition, OrderSuccessHandler and the local event router.
 *
 * - STANDARD: Step Functions itself emits "Step Functions Execution Status Change" (source aws.states)
 *   when an execution ends.
 * - EXPRESS: Express executions emit no status-change events, so the workflow's last step puts its
 *   own event on the default bus: source `order-system.workflow`, detail-type "Order Confirmed" or
 *   "Order Failed", detail {@link OrderWorkflowEventDetail}.
 */
import type { WorkflowType } from "./type";

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

/** The workflow's own events (Express mode). */
export const ORDER_WORKFLOW_EVENT_SOURCE = "order-system.workflow";
export const ORDER_WORKFLOW_EVENTS = {
  confirmed: { detailType: "Order Confirmed", status: "SUCCEEDED" },
  failed: { detailType: "Order Failed", status: "FAILED" },
} as const;

/** The detail of an "Order Confirmed" / "Order Failed" event, as the workflow writes it. */
export interface OrderWorkflowEventDetail {
  readonly orderId: string;
  /** As a status-change event says it: SUCCEEDED (confirmed) or FAILED. */
  readonly status: "SUCCEEDED" | "FAILED";
  readonly executionArn: string;
  readonly stateMachineArn: string;
  /** The execution's name: the order id. */
  readonly name: string;
}

export interface OrderConfirmationPattern {
  readonly source: string[];
  readonly "detail-type": string[];
  readonly detail: { readonly status: string[]; readonly stateMachineArn: string[] };
}

/** Executions of this state machine that ended, succeeded (the order is confirmed) or failed. */
export function orderConfirmationPattern(
  stateMachineArn: string,
  type: WorkflowType = "STANDARD",
): OrderConfirmationPattern {
  const statuses = ["SUCCEEDED", "FAILED"];
  if (type === "EXPRESS") {
    return {
      source: [ORDER_WORKFLOW_EVENT_SOURCE],
      "detail-type": [ORDER_WORKFLOW_EVENTS.confirmed.detailType, ORDER_WORKFLOW_EVENTS.failed.detailType],
      detail: { status: statuses, stateMachineArn: [stateMachineArn] },
    };
  }
  return {
    source: ["aws.states"],
    "detail-type": [EXECUTION_STATUS_CHANGE],
    detail: { status: statuses, stateMachineArn: [stateMachineArn] },
  };
}
