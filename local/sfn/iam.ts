/**
 * Step Functions' side of local IAM: StartExecution under the calling function's role, and the
 * workflow's tasks under the state machine's role, failing as Step Functions names the errors.
 */
import type { WorkflowCallbacks, WorkflowStarter } from "../../lambdas/workflow/ports";
import {
  invokeFunctionChecks,
  putEventsChecks,
  snsPublishChecks,
  startExecutionChecks,
} from "../iam/aws-calls";
import type { Check } from "../iam/access-guard";
import type { Principal } from "../iam/enforced-roles";
import type { LocalEnforcement } from "../iam/local-enforcement";
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_RESOURCES, localFunctionArn } from "../runtime/resources";
import type { TaskTargets } from "./workflow";

export function guardStarter(
  iam: LocalEnforcement,
  principal: Principal,
  port: WorkflowStarter,
): WorkflowStarter {
  return {
    start: async (orderId, input) => {
      iam.deny(
        principal,
        startExecutionChecks(LOCAL_RESOURCES.orderWorkflow.arn),
        () => "AccessDeniedException",
      );
      return port.start(orderId, input);
    },
  };
}

/** SendTaskSuccess / SendTaskFailure under the calling function's role, on the state machine. */
export function guardCallbacks(
  iam: LocalEnforcement,
  principal: Principal,
  port: WorkflowCallbacks,
): WorkflowCallbacks {
  const check = (action: string) =>
    iam.deny(
      principal,
      [{ action, resource: LOCAL_RESOURCES.orderStateMachine.arn }],
      () => "AccessDeniedException",
    );
  return {
    succeed: async (token, output) => {
      check("states:SendTaskSuccess");
      return port.succeed(token, output);
    },
    fail: async (token, error, cause) => {
      check("states:SendTaskFailure");
      return port.fail(token, error, cause);
    },
  };
}

/** PutEvents names a bus by name or by ARN. */
function busArn(nameOrArn: string): string {
  return nameOrArn.startsWith("arn:")
    ? nameOrArn
    : `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${nameOrArn}`;
}

export function guardTaskTargets(iam: LocalEnforcement, targets: TaskTargets): TaskTargets {
  const enforce = (checks: Check[], service: string) =>
    iam.deny("Workflow", checks, () => {
      const code = service === "SNS" ? "AuthorizationErrorException" : "AccessDeniedException";
      return service === "Lambda" ? "Lambda.AWSLambdaException" : `${service}.${code}`;
    });
  return {
    ...targets,
    invokeFunction: async (id, input) => {
      enforce(invokeFunctionChecks(localFunctionArn(id)), "Lambda");
      return targets.invokeFunction(id, input);
    },
    notifications: {
      publish: (topicArn, subject, message) => {
        enforce(snsPublishChecks(topicArn), "SNS");
        return targets.notifications.publish(topicArn, subject, message);
      },
    },
    putEvents: async (entries) => {
      for (const entry of entries) enforce(putEventsChecks(busArn(entry.EventBusName)), "EventBridge");
      await targets.putEvents(entries);
    },
  };
}
