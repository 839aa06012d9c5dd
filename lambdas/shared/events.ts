/**
 * The EventBridge pattern of OrderConfirmationRule, shared by the stack and the local event router:
 * executions that ended, succeeded (the order is confirmed) or failed (its customer is told why).
 */
export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

export function orderConfirmationPattern(stateMachineArn: string): {
  source: string[];
  "detail-type": string[];
  detail: { status: string[]; stateMachineArn: string[] };
} {
  return {
    source: ["aws.states"],
    "detail-type": [EXECUTION_STATUS_CHANGE],
    detail: { status: ["SUCCEEDED", "FAILED"], stateMachineArn: [stateMachineArn] },
  };
}
