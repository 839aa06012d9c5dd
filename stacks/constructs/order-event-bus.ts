import { CloudwatchEventApiDestination } from "@cdktf/provider-aws/lib/cloudwatch-event-api-destination";
import { CloudwatchEventArchive } from "@cdktf/provider-aws/lib/cloudwatch-event-archive";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchEventConnection } from "@cdktf/provider-aws/lib/cloudwatch-event-connection";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { SchemasRegistry } from "@cdktf/provider-aws/lib/schemas-registry";
import { SchemasSchema } from "@cdktf/provider-aws/lib/schemas-schema";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Fn, Op, TerraformIterator, Token, type MapTerraformIterator } from "cdktf";
import { Construct } from "constructs";
import { EVENT_SCHEMAS, schemaNameOf } from "../../lambdas/events/schemas";
import { ORDERS_QUEUE_SETTINGS } from "../../lambdas/platform/queue-settings";
import { denyInsecureTransport } from "./policy";
import { deadLetterAlarmOf } from "./monitoring";

export interface OrderEventBusProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** order_event_archive_days: 0 keeps no archive. */
  readonly archiveDays: number;
  /** var.order_event_subscriptions, as a Terraform expression of the variable. */
  readonly subscriptionsVariable: string;
  readonly alarmTopicArn: string;
}

/** The header a subscription's API key is sent in when it names none. */
export const DEFAULT_API_KEY_HEADER = "x-api-key";
/**
 * What the connection holds until an operator sets the real key (docs/EVENTS.md): the real key
 * never passes through Terraform, so it is never in state.
 */
export const API_KEY_PLACEHOLDER = "set-by-operator";
/** How long and how often EventBridge retries a subscriber before the subscription's dead-letter queue. */
export const SUBSCRIPTION_RETRY = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };
/** A subscription's dead-letter queue, inside its for_each resources. */
const SUBSCRIPTION_QUEUE_ARN = "${aws_sqs_queue.OrderEventSubscriptionDeadLetterQueue[each.key].arn}";
/** The stream function's retries of a record it cannot publish, before the dead-letter queue. */
export const STREAM_RETRY_ATTEMPTS = 10;

/**
 * The order event bus: `<prefix>-order-events` with its archive (replay) and its schemas in the
 * Schema Registry; OrderEventsLambda on the orders and inventory streams (its only writer; records
 * it cannot publish go to a dead-letter queue); and one HTTP subscription per entry of
 * order_event_subscriptions: an API destination behind a rule, with retries and a dead-letter queue
 * that pages.
 */
export class OrderEventBus extends Construct {
  readonly bus: CloudwatchEventBus;
  readonly source: string;
  readonly deadLetterQueue: SqsQueue;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OrderEventBusProps,
  ) {
    super(scope, id);
    this.source = `${props.namePrefix}.orders`;
    this.bus = new CloudwatchEventBus(this, "Bus", {
      name: `${props.namePrefix}-order-events`,
      description: "Order and stock events for the systems around the shop (docs/EVENTS.md)",
    });
    this.bus.overrideLogicalId("OrderEventBus");
    new CloudwatchEventArchive(this, "Archive", {
      // `>= 1`, not `> 0`: cdktf renders a 0 operand as undefined.
      count: Token.asNumber(Fn.conditional(Op.gte(props.archiveDays, 1), 1, 0)),
      name: `${props.namePrefix}-order-events`,
      eventSourceArn: this.bus.arn,
      retentionDays: props.archiveDays,
      description: "Every order event, kept for replays to a subscriber that was down",
    }).overrideLogicalId("OrderEventArchive");
    const registry = new SchemasRegistry(this, "Registry", {
      name: `${props.namePrefix}-order-events`,
      description: "The order events' JSON Schemas (draft-04), one per detail-type",
    });
    registry.overrideLogicalId("OrderEventSchemaRegistry");
    for (const { detailType, schema } of EVENT_SCHEMAS) {
      new SchemasSchema(this, `Schema${detailType.replace(/ /g, "")}`, {
        name: schemaNameOf(this.source, detailType),
        registryName: registry.name,
        type: "JSONSchemaDraft4",
        content: JSON.stringify(schema),
        description: `The "${detailType}" event`,
      });
    }
    this.deadLetterQueue = new SqsQueue(this, "DeadLetterQueue", {
      name: `${props.namePrefix}-order-events-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    this.deadLetterQueue.overrideLogicalId("OrderEventsDeadLetterQueue");
    this.subscriptions();
  }

  /** OrderEventsLambda on both streams, in order per item, with its failures' dead-letter queue. */
  connect(publisher: LambdaAlias, streams: Readonly<Record<"Orders" | "Inventory", string>>): void {
    for (const [name, streamArn] of Object.entries(streams)) {
      new LambdaEventSourceMapping(this, `${name}StreamEventSource`, {
        eventSourceArn: streamArn,
        functionName: publisher.arn,
        // From the oldest record the stream keeps: a mapping created again publishes again (the
        // subscribers drop duplicates by eventId) rather than lose what was committed meanwhile.
        startingPosition: "TRIM_HORIZON",
        batchSize: 100,
        maximumBatchingWindowInSeconds: 1,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
        functionResponseTypes: ["ReportBatchItemFailures"],
        destinationConfig: { onFailure: { destinationArn: this.deadLetterQueue.arn } },
      }).overrideLogicalId(`OrderEvents${name}StreamEventSource`);
    }
  }

  /** One API destination per subscription, its rule, its retries and its dead-letter queue. */
  private subscriptions(): void {
    const each = TerraformIterator.fromMap(
      Token.asAnyMap(`\${{ for s in ${this.props.subscriptionsVariable} : s.name => s }}`),
    );
    this.endpoints(each);
    this.deadLetters(each);
    this.deliveryRole();
    const rule = new CloudwatchEventRule(this, "Rule", {
      forEach: each,
      name: `${this.props.namePrefix}-events-to-${each.key}`,
      eventBusName: this.bus.name,
      description: "Order events of the subscription's detail-types → its API destination",
      eventPattern: Token.asString(
        `\${jsonencode({ source = ["${this.source}"], "detail-type" = each.value.detail_types })}`,
      ),
    });
    rule.overrideLogicalId("OrderEventSubscriptionRule");
    new CloudwatchEventTarget(this, "Target", {
      forEach: each,
      rule: "${aws_cloudwatch_event_rule.OrderEventSubscriptionRule[each.key].name}",
      eventBusName: this.bus.name,
      arn: "${aws_cloudwatch_event_api_destination.OrderEventApiDestination[each.key].arn}",
      roleArn: "${aws_iam_role.OrderEventDeliveryRole[0].arn}",
      retryPolicy: SUBSCRIPTION_RETRY,
      deadLetterConfig: { arn: SUBSCRIPTION_QUEUE_ARN },
    }).overrideLogicalId("OrderEventSubscriptionTarget");
  }

  /** The subscriber's key (an empty secret, filled by an operator), connection and API destination. */
  private endpoints(each: MapTerraformIterator): void {
    const { namePrefix } = this.props;
    new SecretsmanagerSecret(this, "SubscriptionKey", {
      forEach: each,
      name: `${namePrefix}/order-events/${each.key}/api-key`,
      description:
        "The API key of an order event subscription: put it here, then copy it onto the connection (docs/EVENTS.md); never in Terraform state",
    }).overrideLogicalId("OrderEventSubscriptionKey");
    new CloudwatchEventConnection(this, "Connection", {
      forEach: each,
      name: `${namePrefix}-${each.key}`,
      description: "An order event subscriber's endpoint credentials",
      authorizationType: "API_KEY",
      authParameters: {
        apiKey: {
          key: Token.asString(`\${coalesce(each.value.api_key_header, "${DEFAULT_API_KEY_HEADER}")}`),
          value: API_KEY_PLACEHOLDER,
        },
      },
      // The real key is set on the connection by an operator, never through Terraform.
      lifecycle: { ignoreChanges: ["auth_parameters"] },
    }).overrideLogicalId("OrderEventConnection");
    new CloudwatchEventApiDestination(this, "Destination", {
      forEach: each,
      name: `${namePrefix}-${each.key}`,
      connectionArn: "${aws_cloudwatch_event_connection.OrderEventConnection[each.key].arn}",
      invocationEndpoint: Token.asString(each.getString("url")),
      httpMethod: "POST",
      invocationRateLimitPerSecond: 20,
    }).overrideLogicalId("OrderEventApiDestination");
  }

  /** Each subscription's dead-letter queue (EventBridge may send to it, nobody else), and its alarm. */
  private deadLetters(each: MapTerraformIterator): void {
    const { namePrefix } = this.props;
    new SqsQueue(this, "SubscriptionDeadLetterQueue", {
      forEach: each,
      name: `${namePrefix}-${each.key}-events-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    }).overrideLogicalId("OrderEventSubscriptionDeadLetterQueue");
    new DataAwsIamPolicyDocument(this, "SubscriptionDeadLetterPolicyDocument", {
      forEach: each,
      statement: [
        {
          sid: "EventBridgeDeadLettersUndeliveredEvents",
          actions: ["sqs:SendMessage"],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          resources: [SUBSCRIPTION_QUEUE_ARN],
          condition: [
            {
              test: "ArnEquals",
              variable: "aws:SourceArn",
              values: ["${aws_cloudwatch_event_rule.OrderEventSubscriptionRule[each.key].arn}"],
            },
          ],
        },
        denyInsecureTransport("sqs", [SUBSCRIPTION_QUEUE_ARN]),
      ],
    }).overrideLogicalId("OrderEventSubscriptionDeadLetterPolicyDocument");
    new SqsQueuePolicy(this, "SubscriptionDeadLetterPolicy", {
      forEach: each,
      queueUrl: "${aws_sqs_queue.OrderEventSubscriptionDeadLetterQueue[each.key].id}",
      policy: "${data.aws_iam_policy_document.OrderEventSubscriptionDeadLetterPolicyDocument[each.key].json}",
    });
    new CloudwatchMetricAlarm(this, "SubscriptionDeadLetterAlarm", {
      forEach: each,
      alarmName: `${namePrefix}-${each.key}-events-dlq-not-empty`,
      alarmDescription:
        "Order events could not be delivered to a subscriber after every retry. Runbook: docs/RUNBOOK.md#ordereventsubscriptiondeadletteralarms",
      ...deadLetterAlarmOf(`${namePrefix}-${each.key}-events-dlq`),
      alarmActions: [this.props.alarmTopicArn],
      okActions: [this.props.alarmTopicArn],
    }).overrideLogicalId("OrderEventSubscriptionDeadLetterAlarms");
  }

  /** The role EventBridge delivers with: it may invoke this system's API destinations only. */
  private deliveryRole(): void {
    const { namePrefix, partition, region, accountId } = this.props;
    const whenAny = Token.asNumber(`\${length(${this.props.subscriptionsVariable}) > 0 ? 1 : 0}`);
    new IamRole(this, "DeliveryRole", {
      count: whenAny,
      name: `${namePrefix}-order-event-delivery`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
          },
        ],
      }),
    }).overrideLogicalId("OrderEventDeliveryRole");
    new IamRolePolicy(this, "DeliveryPolicy", {
      count: whenAny,
      name: "InvokeOrderEventSubscriptions",
      role: "${aws_iam_role.OrderEventDeliveryRole[0].id}",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "InvokeOwnApiDestinations",
            Effect: "Allow",
            Action: "events:InvokeApiDestination",
            Resource: `arn:${partition}:events:${region}:${accountId}:api-destination/${namePrefix}-*`,
          },
        ],
      }),
    });
  }
}
