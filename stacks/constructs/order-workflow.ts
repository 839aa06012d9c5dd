import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import {
  buildOrderWorkflowDefinition,
  type WorkflowResources,
} from "../../lambdas/shared/workflow-definition";
import { allow, LOG_DELIVERY_ACTIONS, ServiceRole, XRAY_ACTIONS } from "./policy";

export interface OrderWorkflowProps {
  readonly namePrefix: string;
  readonly resources: WorkflowResources;
  readonly ordersTableArn: string;
  readonly topicKeyArn: string;
  readonly accountId: string;
  readonly logRetentionDays: number;
}

/** OrderProcessingStateMachine (Standard), its execution log group (level ALL) and its role. */
export class OrderWorkflow extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const name = `${props.namePrefix}-order-processing`;
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/vendedlogs/states/${name}`,
      retentionInDays: props.logRetentionDays,
    });
    this.logGroup.overrideLogicalId("OrderProcessingStateMachineLogGroup");
    const r = props.resources;
    const lambdas = [r.validateOrderFunctionArn, r.processPaymentFunctionArn, r.updateInventoryFunctionArn];
    const role = new ServiceRole(this, "Role", {
      name: `${name}-role`,
      servicePrincipal: "states.amazonaws.com",
      sourceAccount: props.accountId,
      statements: [
        allow(
          "InvokeWorkflowFunctions",
          ["lambda:InvokeFunction"],
          [...lambdas, ...lambdas.map((arn) => `${arn}:*`)],
        ),
        allow(
          "PublishWorkflowNotifications",
          ["sns:Publish"],
          [r.orderErrorTopicArn, r.criticalAlertsTopicArn],
        ),
        allow("EncryptForEncryptedTopics", ["kms:GenerateDataKey*", "kms:Decrypt"], [props.topicKeyArn]),
        allow("RecordOrderFailure", ["dynamodb:UpdateItem"], [props.ordersTableArn]),
        // Vended-log delivery and X-Ray APIs have no resource-level permissions; AWS documents "*".
        allow("DeliverExecutionLogs", LOG_DELIVERY_ACTIONS, ["*"]),
        allow("XRayTracing", XRAY_ACTIONS, ["*"]),
      ],
    });
    this.stateMachine = new SfnStateMachine(this, "StateMachine", {
      name,
      type: "STANDARD",
      roleArn: role.role.arn,
      definition: JSON.stringify(buildOrderWorkflowDefinition(props.resources)),
      loggingConfiguration: {
        logDestination: `${this.logGroup.arn}:*`,
        includeExecutionData: true,
        level: "ALL",
      },
      tracingConfiguration: { enabled: true },
    });
    this.stateMachine.overrideLogicalId("OrderProcessingStateMachine");
  }
}
