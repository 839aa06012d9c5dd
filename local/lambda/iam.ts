/**
 * Lambda's side of local IAM: a function as its trigger invokes it. API Gateway, the EventBridge rule
 * and the SNS topic invoke through the function's resource policy (aws_lambda_permission), the
 * schedule through its role. The workflow's invokes are checked as its tasks (sfn/iam.ts), the
 * queue's event source at start (sqs/iam.ts).
 */
import { functionSpec, type FunctionId, type Trigger } from "../../lambdas/platform/contracts";
import { invokeFunctionChecks } from "../iam/aws-calls";
import type { LocalEnforcement } from "../iam/local-enforcement";
import { localFunctionArn } from "../runtime/resources";

/** The triggers that invoke a function through its resource policy, by the service that calls it. */
const RESOURCE_POLICY_PRINCIPALS: Partial<Record<Trigger, string>> = {
  api: "apigateway.amazonaws.com",
  orderConfirmationRule: "events.amazonaws.com",
  emailFeedbackTopic: "sns.amazonaws.com",
  // Its webhook route; the workflow's waiting step is checked as the workflow's task (sfn/iam.ts).
  paymentEvents: "apigateway.amazonaws.com",
};

export function guardInvocation<E, R>(
  iam: LocalEnforcement,
  id: FunctionId,
  invoke: (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  const trigger = functionSpec(id).trigger;
  const service = RESOURCE_POLICY_PRINCIPALS[trigger];
  if (service) {
    return async (event) => {
      if (!iam.resourcePolicyAllows(id, service)) {
        const message = `${service} may not invoke ${localFunctionArn(id)}: no aws_lambda_permission lets it (lambda:InvokeFunction)`;
        iam.record(`IAM denied ${message}`);
        throw Object.assign(new Error(message), { name: "AccessDeniedException" });
      }
      return invoke(event);
    };
  }
  if (trigger === "schedule") {
    return async (event) => {
      iam.deny(
        "ReconcilerSchedule",
        invokeFunctionChecks(localFunctionArn(id)),
        () => "AccessDeniedException",
      );
      return invoke(event);
    };
  }
  return invoke;
}
