import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SfnAlias } from "@cdktf/provider-aws/lib/sfn-alias";
import { Fn, Op, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import {
  buildOrderWorkflowDefinition,
  PAYMENT_ACTION_TIMEOUT_PLACEHOLDER,
  WORKFLOW_TIMEOUT_SECONDS,
  workflowTimeoutSeconds,
  type WorkflowDefinition,
  type WorkflowResources,
} from "../../lambdas/workflow/definition";
import { distinct, workflowTasks } from "../../lambdas/workflow/tasks";
import { WORKFLOW_TYPES, type WorkflowType } from "../../lambdas/workflow/type";
import { allow, LOG_DELIVERY_ACTIONS, ServiceRole, XRAY_ACTIONS, type Statement } from "./policy";

export interface OrderWorkflowProps {
  readonly namePrefix: string;
  readonly resources: WorkflowResources;
  /** Table name (as passed in `resources`) → table ARN, for the definition's DynamoDB tasks. */
  readonly tableArns: ReadonlyMap<string, string>;
  /** The key that encrypts the topics the definition publishes to. */
  readonly topicKeyArn: string;
  readonly accountId: string;
  readonly logRetentionDays: number;
  /** workflow_type: STANDARD or EXPRESS (a Terraform expression). */
  readonly workflowType: string;
  /** payment_action_timeout_minutes (a Terraform expression), in place of the definition's placeholder. */
  readonly paymentActionTimeoutMinutes: number;
}

/**
 * A value per workflow type, chosen by workflow_type at plan time. Each value is a Terraform local
 * (`<prefix>_standard`, `<prefix>_express`): JSON with references inside stays a plain string there.
 */
export function byWorkflowType(
  scope: Construct,
  prefix: string,
  workflowType: string,
  values: Readonly<Record<WorkflowType, string>>,
): string {
  const [standard, express] = WORKFLOW_TYPES.map((type) => {
    const local = new TerraformLocal(scope, `${prefix}_${type.toLowerCase()}`, values[type]);
    local.overrideLogicalId(`${prefix}_${type.toLowerCase()}`);
    return local.asString;
  });
  return Token.asString(Fn.conditional(Op.eq(workflowType, "EXPRESS"), express, standard));
}

/**
 * The definition's JSON with payment_action_timeout_minutes in place of the placeholder: the waiting
 * step's TimeoutSeconds, and the execution's (Standard: 15 minutes plus the wait). A number inside a
 * Terraform string interpolation stays a JSON number.
 */
export function withPaymentActionTimeout(definition: WorkflowDefinition, timeoutMinutes: number): string {
  const json = JSON.stringify(definition);
  const seconds = Token.asString(Op.mul(timeoutMinutes, 60));
  const executionSeconds = Token.asString(
    Op.add(Op.mul(timeoutMinutes, 60), WORKFLOW_TIMEOUT_SECONDS.STANDARD),
  );
  return json
    .replaceAll(
      `"TimeoutSeconds":${workflowTimeoutSeconds("STANDARD", PAYMENT_ACTION_TIMEOUT_PLACEHOLDER)}`,
      `"TimeoutSeconds":${executionSeconds}`,
    )
    .replaceAll(`"TimeoutSeconds":${PAYMENT_ACTION_TIMEOUT_PLACEHOLDER}`, `"TimeoutSeconds":${seconds}`);
}

/**
 * The state machine role's permissions, derived from the definition: every function a Task invokes
 * (and its versions and aliases), every topic it publishes to, every table it updates.
 */
export function workflowRoleStatements(
  definition: WorkflowDefinition,
  tableArns: ReadonlyMap<string, string>,
  topicKeyArn: string,
): Statement[] {
  const tasks = workflowTasks(definition);
  const functions = distinct(
    tasks.flatMap((t) => (t.kind === "lambda" || t.kind === "lambdaCallback" ? [t.functionArn] : [])),
  );
  const namespaces = distinct(
    tasks.flatMap((t) => (t.kind === "cloudwatchPutMetricData" ? [t.namespace] : [])),
  );
  const topics = distinct(tasks.flatMap((t) => (t.kind === "snsPublish" ? [t.topicArn] : [])));
  const buses = distinct(tasks.flatMap((t) => (t.kind === "eventsPutEvents" ? [t.eventBusArn] : [])));
  const tables = distinct(tasks.flatMap((t) => (t.kind === "dynamodbUpdateItem" ? [t.tableName] : []))).map(
    (name) => {
      const arn = tableArns.get(name);
      if (!arn) throw new Error(`The workflow updates table ${name}, whose ARN was not given.`);
      return arn;
    },
  );
  return [
    ...(functions.length > 0
      ? [
          // Exactly what the Tasks name: each function's live alias (a qualified ARN).
          allow("InvokeWorkflowFunctions", ["lambda:InvokeFunction"], functions),
        ]
      : []),
    ...(topics.length > 0
      ? [
          allow("PublishWorkflowNotifications", ["sns:Publish"], topics),
          allow("EncryptForEncryptedTopics", ["kms:GenerateDataKey", "kms:Decrypt"], [topicKeyArn]),
        ]
      : []),
    ...(tables.length > 0 ? [allow("RecordOrderFailure", ["dynamodb:UpdateItem"], tables)] : []),
    ...(buses.length > 0 ? [allow("AnnounceOrderEnd", ["events:PutEvents"], buses)] : []),
    // PutMetricData has no resource-level permissions: "*", held to the order system's namespace.
    ...(namespaces.length > 0
      ? [
          {
            ...allow("CountUnexpectedFailures", ["cloudwatch:PutMetricData"], ["*"]),
            condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: namespaces }],
          },
        ]
      : []),
    // Vended-log delivery and X-Ray APIs have no resource-level permissions; AWS documents "*".
    allow("DeliverExecutionLogs", LOG_DELIVERY_ACTIONS, ["*"]),
    allow("XRayTracing", XRAY_ACTIONS, ["*"]),
  ];
}

/**
 * OrderProcessingStateMachine (STANDARD or EXPRESS, by workflow_type), its execution log group
 * (level ALL, which Express needs to be observable at all) and its role, each derived per type.
 */
/** The workflow alias new executions start on. */
export const WORKFLOW_ALIAS = "live";

export class OrderWorkflow extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly logGroup: CloudwatchLogGroup;
  /** `live`: what executions are started on; a release moves its routing to a new version. */
  readonly alias: SfnAlias;

  constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const name = `${props.namePrefix}-order-processing`;
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/vendedlogs/states/${name}`,
      retentionInDays: props.logRetentionDays,
    });
    this.logGroup.overrideLogicalId("OrderProcessingStateMachineLogGroup");
    const definitions = {
      STANDARD: buildOrderWorkflowDefinition(props.resources, "STANDARD"),
      EXPRESS: buildOrderWorkflowDefinition(props.resources, "EXPRESS"),
    };
    const statements = (type: WorkflowType) =>
      workflowRoleStatements(definitions[type], props.tableArns, props.topicKeyArn);
    const role = new ServiceRole(this, "Role", {
      name: `${name}-role`,
      servicePrincipal: "states.amazonaws.com",
      sourceAccount: props.accountId,
      statements: statements("STANDARD"),
      variant: { when: Op.eq(props.workflowType, "EXPRESS"), statements: statements("EXPRESS") },
    });
    this.stateMachine = new SfnStateMachine(this, "StateMachine", {
      name,
      type: props.workflowType,
      roleArn: role.role.arn,
      definition: byWorkflowType(this, "order_workflow_definition", props.workflowType, {
        STANDARD: withPaymentActionTimeout(definitions.STANDARD, props.paymentActionTimeoutMinutes),
        EXPRESS: withPaymentActionTimeout(definitions.EXPRESS, props.paymentActionTimeoutMinutes),
      }),
      loggingConfiguration: {
        logDestination: `${this.logGroup.arn}:*`,
        includeExecutionData: true,
        level: "ALL",
      },
      tracingConfiguration: { enabled: true },
      // Each change of the definition publishes a version; executions in flight finish on theirs.
      publish: true,
    });
    this.stateMachine.overrideLogicalId("OrderProcessingStateMachine");
    this.alias = new SfnAlias(this, "LiveAlias", {
      name: WORKFLOW_ALIAS,
      description: "The version new orders' executions start on (npm run release moves it)",
      routingConfiguration: [
        { stateMachineVersionArn: this.stateMachine.stateMachineVersionArn, weight: 100 },
      ],
      // The release owns the routing once created: Terraform must not move it back.
      lifecycle: { ignoreChanges: ["routing_configuration"] },
    });
    this.alias.overrideLogicalId("OrderProcessingLiveAlias");
  }
}
