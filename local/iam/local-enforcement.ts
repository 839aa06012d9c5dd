/**
 * IAM for the local runtime: the synthesized stack's roles (enforced-roles.ts) applied at every
 * point where a function or the workflow reaches an AWS service locally: the DynamoDB endpoint,
 * Secrets Manager, SES, and the ports and workflow tasks the runtime wires (SQS, Step Functions,
 * SNS, Lambda, EventBridge). Each place fails a denied call with the error its AWS service returns.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Notifier, WorkflowStarter } from "../../lambdas/shared/ports";
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_RESOURCES,
  LOCAL_SENDER_ADDRESS,
  localFunctionArn,
} from "../local-resources";
import type { TaskTargets } from "../services/workflow";
import { AccessGuard, denialLine, principalOfRequest, type AccessDeniedException } from "./access-guard";
import {
  dynamoDbChecks,
  getSecretValueChecks,
  invokeFunctionChecks,
  putEventsChecks,
  sendEmailChecks,
  snsPublishChecks,
  startExecutionChecks,
} from "./aws-calls";
import { enforcedRoles, type Principal, type TerraformVariables } from "./enforced-roles";
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

  constructor(options: LocalEnforcementOptions) {
    const synthesized = loadSynthesizedStack(options.projectRoot, options.stackVariant);
    this.guard = new AccessGuard(enforcedRoles(synthesized, options.variables), (denial, principal) => {
      const line = denialLine(denial, principal);
      this.denied = [...this.denied.slice(-(RECENT_DENIALS - 1)), line];
      options.log(line);
    });
  }

  /** The latest denials, oldest first, one readable line each. */
  denials(): readonly string[] {
    return this.denied;
  }

  private signed<R>(checksOf: (request: R) => ReturnType<typeof dynamoDbChecks>): RequestAuthorizer<R> {
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
    const enforce = (checks: ReturnType<typeof dynamoDbChecks>, service: string) => {
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

/** PutEvents names a bus by name or by ARN. */
function busArn(nameOrArn: string): string {
  return nameOrArn.startsWith("arn:")
    ? nameOrArn
    : `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${nameOrArn}`;
}
