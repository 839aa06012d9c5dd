import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { orderConfirmationPattern } from "../../lambdas/workflow/events";
import { denyInsecureTransport } from "./policy";
import { byWorkflowType } from "./order-workflow";

export interface OrderEventsProps {
  readonly namePrefix: string;
  readonly stateMachineArn: string;
  /** workflow_type: which events end an order (status changes, or the workflow's own). */
  readonly workflowType: string;
  /** OrderSuccessHandler's live alias. */
  readonly successHandler: LambdaAlias;
  /** Receives events that could not be delivered or handled, so no confirmation is lost silently. */
  readonly deadLetterQueue: SqsQueue;
}

/**
 * OrderConfirmationRule: ended executions (Step Functions' status changes with STANDARD, the
 * workflow's own "Order Confirmed"/"Order Failed" events with EXPRESS) → OrderSuccessHandlerLambda. Events EventBridge
 * cannot deliver, and invocations that fail every Lambda retry, land in the dead-letter queue.
 */
export class OrderEvents extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    this.rule = new CloudwatchEventRule(this, "Rule", {
      name: `${props.namePrefix}-order-confirmation`,
      description:
        "Order workflow executions that ended (succeeded or failed) go to OrderSuccessHandlerLambda",
      eventPattern: byWorkflowType(this, "order_confirmation_pattern", props.workflowType, {
        STANDARD: JSON.stringify(orderConfirmationPattern(props.stateMachineArn, "STANDARD")),
        EXPRESS: JSON.stringify(orderConfirmationPattern(props.stateMachineArn, "EXPRESS")),
      }),
    });
    this.rule.overrideLogicalId("OrderConfirmationRule");
    new CloudwatchEventTarget(this, "Target", {
      rule: this.rule.name,
      arn: props.successHandler.arn,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: props.deadLetterQueue.arn },
    });
    // EventBridge invokes the function asynchronously: after Lambda's own retries, keep the event.
    new LambdaFunctionEventInvokeConfig(this, "InvokeConfig", {
      functionName: props.successHandler.functionName,
      qualifier: props.successHandler.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 6 * 3600,
      destinationConfig: { onFailure: { destination: props.deadLetterQueue.arn } },
    });
    const queuePolicy = new DataAwsIamPolicyDocument(this, "DeadLetterQueuePolicyDocument", {
      statement: [
        {
          sid: "OrderConfirmationRuleDeadLetters",
          actions: ["sqs:SendMessage"],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          resources: [props.deadLetterQueue.arn],
          condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [this.rule.arn] }],
        },
        denyInsecureTransport("sqs", [props.deadLetterQueue.arn]),
      ],
    });
    new SqsQueuePolicy(this, "DeadLetterQueuePolicy", {
      queueUrl: props.deadLetterQueue.id,
      policy: queuePolicy.json,
    });
    new LambdaPermission(this, "InvokePermission", {
      statementId: "AllowOrderConfirmationRule",
      action: "lambda:InvokeFunction",
      functionName: props.successHandler.functionName,
      qualifier: props.successHandler.name,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}
