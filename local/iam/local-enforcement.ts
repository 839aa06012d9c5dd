/**
 * IAM for the local runtime: the synthesized stack's roles (enforced-roles.ts) applied at every
 * point where a function or the workflow reaches an AWS service locally: the DynamoDB endpoint,
 * Secrets Manager, SES, and the ports and workflow tasks the runtime wires (SQS, Step Functions,
 * SNS, Lambda, EventBridge). Each place fails a denied call with the error its AWS service returns.
 */
import type { IncomingHttpHeaders } from "node:http";
import { functionSpec, type FunctionId, type Trigger } from "../../lambdas/contracts";
import type { Notifier, OrderQueue, WorkflowStarter } from "../../lambdas/shared/ports";
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_RESOURCES,
  LOCAL_SENDER_ADDRESS,
  localFunctionArn,
} from "../runtime/resources";
import type { TaskTargets } from "../sfn/workflow";
import {
  AccessGuard,
  denialLine,
  principalOfRequest,
  type AccessDeniedException,
  type Check,
} from "./access-guard";
import {
  dynamoDbChecks,
  getSecretValueChecks,
  invokeFunctionChecks,
  putEventsChecks,
  receiveMessageChecks,
  sendMessageChecks,
  sendEmailChecks,
  snsPublishChecks,
  startExecutionChecks,
} from "./aws-calls";
import { enforcedRoles, invokePermissions, type Principal, type TerraformVariables } from "./enforced-roles";
import { loadSynthesizedStack, type StackVariant } from "./synthesized-stack";

/** An AWS error for the caller: its name is the service's error code. */
function named(denial: AccessDeniedException, name: string): Error {
  const error = new Error(denial.message);
  error.name = name;
  return error;
}

/** What a signed request to a local AWS twin asks; undefined when its signer is no enforced role. */
export type RequestAuthorizer<R> = (
  headers: IncomingHttpHeaders,
  request: R,
) => AccessDeniedException | undefined;

export interface EmailSend {
  readonly from: string;
  readonly configurationSetName?: string;
  readonly templateName?: string;
}

export interface LocalEnforcementOptions {
  readonly projectRoot: string;
  /** The local deployment's Terraform variable values. */
  readonly variables: TerraformVariables;
  /** A changed stack (tests); the project's own stack when omitted. */
  readonly stackVariant?: StackVariant;
  readonly log: (line: string) => void;
}

/** How many denials are kept for GET /_local/iam and tests. */
const RECENT_DENIALS = 100;

export class LocalEnforcement {
  readonly guard: AccessGuard;
  private denied: string[] = [];

  private readonly invokableBy: ReadonlySet<string>;

  constructor(private readonly options: LocalEnforcementOptions) {
    const synthesized = loadSynthesizedStack(options.projectRoot, options.stackVariant);
    this.guard = new AccessGuard(enforcedRoles(synthesized, options.variables), (denial, principal) =>
      this.record(denialLine(denial, principal)),
    );
    this.invokableBy = invokePermissions(synthesized, options.variables);
  }

  private record(line: string): void {
    this.denied = [...this.denied.slice(-(RECENT_DENIALS - 1)), line];
    this.options.log(line);
  }

  /**
   * A function's handler as its trigger invokes it: API Gateway, the EventBridge rule and the SNS
   * topic through the function's resource policy (aws_lambda_permission), the schedule through its
   * role. The workflow's invokes are checked as its tasks; the queue's event source at start.
   */
  invocation<E, R>(id: FunctionId, invoke: (event: E) => Promise<R>): (event: E) => Promise<R> {
    const trigger = functionSpec(id).trigger;
    const service = RESOURCE_POLICY_PRINCIPALS[trigger];
    if (service) {
      return async (event) => {
        if (!this.invokableBy.has(`${id} ${service}`)) {
          const message = `${service} may not invoke ${localFunctionArn(id)}: no aws_lambda_permission lets it (lambda:InvokeFunction)`;
          this.record(`IAM denied ${message}`);
          throw Object.assign(new Error(message), { name: "AccessDeniedException" });
        }
        return invoke(event);
      };
    }
    if (trigger === "schedule") {
      return async (event) => {
        const denied = this.guard.denial("ReconcilerSchedule", invokeFunctionChecks(localFunctionArn(id)));
        if (denied) throw named(denied, "AccessDeniedException");
        return invoke(event);
      };
    }
    return invoke;
  }

  /**
   * Lambda polls a queue with the function's own role: without these permissions AWS refuses to
   * create the event source mapping, so the runtime refuses to start.
   */
  eventSourceMapping(id: FunctionId, queueArn: string): void {
    const denied = this.guard.denial(id, receiveMessageChecks(queueArn));
    if (denied) {
      throw new Error(
        `The ${id} event source mapping cannot be created: the provided execution role does not have permissions to call ${denied.check.action.replace("sqs:", "")} on SQS (${denied.message})`,
      );
    }
  }

  /** The outbox pipe's sends to OrdersQueue, under the pipe's role. */
  pipe(port: OrderQueue): OrderQueue {
    return {
      send: async (message) => {
        const denied = this.guard.denial("OutboxPipe", sendMessageChecks(LOCAL_RESOURCES.ordersQueue.arn));
        if (denied) throw named(denied, "AccessDenied");
        await port.send(message);
      },
    };
  }

  /** The latest denials, oldest first, one readable line each. */
  denials(): readonly string[] {
    return this.denied;
  }

  private signed<R>(checksOf: (request: R) => Check[]): RequestAuthorizer<R> {
    return (headers, request) => {
      const principal = principalOfRequest(headers);
      return principal && this.guard.denial(principal, checksOf(request));
    };
  }

  /** DynamoDB requests, by the operation (X-Amz-Target) and body. */
  readonly dynamoDb = this.signed<{ operation: string; body: Record<string, unknown> }>(
    ({ operation, body }) => dynamoDbChecks(operation, body),
  );

  readonly secrets = this.signed<string>((secretArn) => getSecretValueChecks(secretArn));

  /** SES SendEmail: the sending identity, the configuration set and the template, each by ARN. */
  readonly email = this.signed<EmailSend>((send) => {
    const templates = [LOCAL_RESOURCES.confirmationEmailTemplate, LOCAL_RESOURCES.failureEmailTemplate];
    const template = templates.find((t) => t.name === send.templateName);
    const domain = send.from.split("@")[1];
    return sendEmailChecks({
      identityArn:
        send.from === LOCAL_SENDER_ADDRESS
          ? LOCAL_RESOURCES.emailIdentity.arn
          : LOCAL_RESOURCES.emailIdentity.arn.replace(LOCAL_SENDER_ADDRESS, domain),
      configurationSetArn:
        send.configurationSetName === LOCAL_RESOURCES.emailConfigurationSet.name
          ? LOCAL_RESOURCES.emailConfigurationSet.arn
          : undefined,
      templateArn: template?.arn,
    });
  });

  /** StartExecution on the state machine, under the calling function's role. */
  workflowStarter(principal: Principal, port: WorkflowStarter): WorkflowStarter {
    return {
      start: async (orderId, input) => {
        const denied = this.guard.denial(principal, startExecutionChecks(LOCAL_RESOURCES.orderWorkflow.arn));
        if (denied) throw named(denied, "AccessDeniedException");
        return port.start(orderId, input);
      },
    };
  }

  /** Publish to an encrypted topic (and its key), under the calling function's role. */
  notifier(principal: Principal, topicArn: string, port: Notifier): Notifier {
    return {
      publish: async (notification) => {
        const denied = this.guard.denial(principal, snsPublishChecks(topicArn));
        if (denied)
          throw named(
            denied,
            denied.check.action.startsWith("kms:")
              ? "KMSAccessDeniedException"
              : "AuthorizationErrorException",
          );
        await port.publish(notification);
      },
    };
  }

  /** The workflow's tasks under the state machine's role, failing as Step Functions names the errors. */
  workflowTargets(targets: TaskTargets): TaskTargets {
    const enforce = (checks: Check[], service: string) => {
      const denied = this.guard.denial("Workflow", checks);
      if (!denied) return;
      const code = service === "SNS" ? "AuthorizationErrorException" : "AccessDeniedException";
      throw named(denied, service === "Lambda" ? "Lambda.AWSLambdaException" : `${service}.${code}`);
    };
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
}

/** The triggers that invoke a function through its resource policy, by the service that calls it. */
const RESOURCE_POLICY_PRINCIPALS: Partial<Record<Trigger, string>> = {
  api: "apigateway.amazonaws.com",
  orderConfirmationRule: "events.amazonaws.com",
  emailFeedbackTopic: "sns.amazonaws.com",
};

/** PutEvents names a bus by name or by ARN. */
function busArn(nameOrArn: string): string {
  return nameOrArn.startsWith("arn:")
    ? nameOrArn
    : `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${nameOrArn}`;
}
