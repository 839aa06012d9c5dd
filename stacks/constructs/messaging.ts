import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Fn, Token, type IResolvable } from "cdktf";
import { Construct } from "constructs";
import { denyInsecureTransport } from "./policy";
import { ORDERS_QUEUE_SETTINGS } from "../../lambdas/shared/queue-settings";

export interface MessagingProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly partition: string;
  readonly notificationEmail: string;
  /** order_event_emails: also mail the operator every order event (off: only critical alerts). */
  readonly orderEventEmails: boolean | IResolvable;
}

/** OrdersQueue with its dead-letter queue, and the three SNS topics with e-mail subscriptions. */
export class Messaging extends Construct {
  readonly ordersQueue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  /**
   * Where "order confirmed" events go when they cannot be handled: EventBridge delivery failures
   * and OrderSuccessHandler invocations that failed every retry. Its policy lives with the rule.
   */
  readonly confirmationDeadLetterQueue: SqsQueue;
  /** Orders-table stream records the outbox pipe could not deliver to OrdersQueue. */
  readonly orderStreamDeadLetterQueue: SqsQueue;
  readonly orderAlertsTopic: SnsTopic;
  readonly orderErrorTopic: SnsTopic;
  readonly criticalAlertsTopic: SnsTopic;
  /** Customer-managed key of the topics: CloudWatch alarms cannot publish with the aws/sns key. */
  readonly topicKey: KmsKey;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const rootArn = `arn:${props.partition}:iam::${props.accountId}:root`;

    this.deadLetterQueue = new SqsQueue(this, "OrdersDeadLetterQueue", {
      name: `${props.namePrefix}-orders-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    this.ordersQueue = new SqsQueue(this, "OrdersQueue", {
      name: `${props.namePrefix}-orders`,
      visibilityTimeoutSeconds: ORDERS_QUEUE_SETTINGS.visibilityTimeoutSeconds,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.messageRetentionSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: ORDERS_QUEUE_SETTINGS.maxReceiveCount,
      }),
    });
    this.ordersQueue.overrideLogicalId("OrdersQueue");
    this.confirmationDeadLetterQueue = new SqsQueue(this, "ConfirmationDeadLetterQueue", {
      name: `${props.namePrefix}-order-confirmation-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    this.confirmationDeadLetterQueue.overrideLogicalId("ConfirmationDeadLetterQueue");
    this.orderStreamDeadLetterQueue = new SqsQueue(this, "OrderStreamDeadLetterQueue", {
      name: `${props.namePrefix}-order-stream-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    this.orderStreamDeadLetterQueue.overrideLogicalId("OrderStreamDeadLetterQueue");
    new SqsQueueRedriveAllowPolicy(this, "DeadLetterRedriveAllow", {
      queueUrl: this.deadLetterQueue.id,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: "byQueue",
        sourceQueueArns: [this.ordersQueue.arn],
      }),
    });
    for (const [name, queue] of [
      ["OrdersQueuePolicy", this.ordersQueue],
      ["DeadLetterQueuePolicy", this.deadLetterQueue],
    ] as const) {
      const doc = new DataAwsIamPolicyDocument(this, `${name}Document`, {
        statement: [denyInsecureTransport("sqs", [queue.arn])],
      });
      new SqsQueuePolicy(this, name, { queueUrl: queue.id, policy: doc.json });
    }

    const keyPolicy = new DataAwsIamPolicyDocument(this, "TopicKeyPolicy", {
      statement: [
        {
          sid: "AccountAdministersKeyThroughIam",
          actions: ["kms:*"],
          principals: [{ type: "AWS", identifiers: [rootArn] }],
          // A key policy's resource is always the key itself.
          resources: ["*"],
        },
        {
          sid: "SesPublishesEmailFeedbackToEncryptedTopic",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          principals: [{ type: "Service", identifiers: ["ses.amazonaws.com"] }],
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
        {
          sid: "CloudWatchAlarmsPublishToEncryptedTopics",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
      ],
    });
    this.topicKey = new KmsKey(this, "NotificationTopicsKey", {
      description: `${props.namePrefix} SNS topics (encryption at rest, usable by CloudWatch alarms)`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, "NotificationTopicsKeyAlias", {
      name: `alias/${props.namePrefix}-notifications`,
      targetKeyId: this.topicKey.keyId,
    });

    // SNS suspends an e-mail subscription past about 10 messages a second: per-order topics mail the
    // operator only when asked (order_event_emails); critical alerts always do.
    const topic = (
      logicalId: string,
      suffix: string,
      displayName: string,
      email: boolean | IResolvable | "always",
    ) => {
      const resource = new SnsTopic(this, logicalId, {
        name: `${props.namePrefix}-${suffix}`,
        displayName,
        kmsMasterKeyId: this.topicKey.arn,
      });
      resource.overrideLogicalId(logicalId);
      new SnsTopicSubscription(this, `${logicalId}EmailSubscription`, {
        ...(email === "always" ? {} : { count: Token.asNumber(Fn.conditional(email, 1, 0)) }),
        topicArn: resource.arn,
        protocol: "email",
        endpoint: props.notificationEmail,
      });
      return resource;
    };
    this.orderAlertsTopic = topic(
      "OrderAlertsTopic",
      "order-alerts",
      "Order confirmations",
      props.orderEventEmails,
    );
    this.orderErrorTopic = topic(
      "OrderErrorNotificationTopic",
      "order-errors",
      "Order failures",
      props.orderEventEmails,
    );
    this.criticalAlertsTopic = topic(
      "CriticalAlertsTopic",
      "critical-alerts",
      "Order system critical alerts",
      "always",
    );

    const criticalPolicy = new DataAwsIamPolicyDocument(this, "CriticalAlertsTopicPolicyDocument", {
      statement: [
        {
          sid: "CloudWatchAlarmsPublish",
          actions: ["sns:Publish"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          resources: [this.criticalAlertsTopic.arn],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
        {
          sid: "AccountPrincipalsPublish",
          actions: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
          principals: [{ type: "AWS", identifiers: [rootArn] }],
          resources: [this.criticalAlertsTopic.arn],
        },
      ],
    });
    new SnsTopicPolicy(this, "CriticalAlertsTopicPolicy", {
      arn: this.criticalAlertsTopic.arn,
      policy: criticalPolicy.json,
    });
  }
}
