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
import { ORDERS_QUEUE_SETTINGS } from "../../lambdas/platform/queue-settings";

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
    ({
      deadLetterQueue: this.deadLetterQueue,
      ordersQueue: this.ordersQueue,
      confirmationDeadLetterQueue: this.confirmationDeadLetterQueue,
      orderStreamDeadLetterQueue: this.orderStreamDeadLetterQueue,
    } = this.queues(props.namePrefix));
    this.topicKey = this.encryptionKey(props, rootArn);
    ({
      orderAlertsTopic: this.orderAlertsTopic,
      orderErrorTopic: this.orderErrorTopic,
      criticalAlertsTopic: this.criticalAlertsTopic,
    } = this.topics(props, rootArn, this.topicKey.arn));
  }

  /** OrdersQueue, its dead-letter queue, and the two other dead-letter queues; all TLS-only, encrypted. */
  private queues(namePrefix: string) {
    const deadLetterQueue = new SqsQueue(this, "OrdersDeadLetterQueue", {
      name: `${namePrefix}-orders-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    const ordersQueue = new SqsQueue(this, "OrdersQueue", {
      name: `${namePrefix}-orders`,
      visibilityTimeoutSeconds: ORDERS_QUEUE_SETTINGS.visibilityTimeoutSeconds,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.messageRetentionSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetterQueue.arn,
        maxReceiveCount: ORDERS_QUEUE_SETTINGS.maxReceiveCount,
      }),
    });
    ordersQueue.overrideLogicalId("OrdersQueue");
    const confirmationDeadLetterQueue = new SqsQueue(this, "ConfirmationDeadLetterQueue", {
      name: `${namePrefix}-order-confirmation-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    confirmationDeadLetterQueue.overrideLogicalId("ConfirmationDeadLetterQueue");
    const orderStreamDeadLetterQueue = new SqsQueue(this, "OrderStreamDeadLetterQueue", {
      name: `${namePrefix}-order-stream-dlq`,
      messageRetentionSeconds: ORDERS_QUEUE_SETTINGS.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    orderStreamDeadLetterQueue.overrideLogicalId("OrderStreamDeadLetterQueue");
    new SqsQueueRedriveAllowPolicy(this, "DeadLetterRedriveAllow", {
      queueUrl: deadLetterQueue.id,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: "byQueue",
        sourceQueueArns: [ordersQueue.arn],
      }),
    });
    for (const [name, queue] of [
      ["OrdersQueuePolicy", ordersQueue],
      ["DeadLetterQueuePolicy", deadLetterQueue],
    ] as const) {
      const doc = new DataAwsIamPolicyDocument(this, `${name}Document`, {
        statement: [denyInsecureTransport("sqs", [queue.arn])],
      });
      new SqsQueuePolicy(this, name, { queueUrl: queue.id, policy: doc.json });
    }
    return { deadLetterQueue, ordersQueue, confirmationDeadLetterQueue, orderStreamDeadLetterQueue };
  }

  /** The topics' customer-managed key, which CloudWatch alarms and SES may use for this account. */
  private encryptionKey(props: MessagingProps, rootArn: string): KmsKey {
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
    const topicKey = new KmsKey(this, "NotificationTopicsKey", {
      description: `${props.namePrefix} SNS topics (encryption at rest, usable by CloudWatch alarms)`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, "NotificationTopicsKeyAlias", {
      name: `alias/${props.namePrefix}-notifications`,
      targetKeyId: topicKey.keyId,
    });
    return topicKey;
  }

  /** The three topics, and who may publish to CriticalAlertsTopic. */
  private topics(props: MessagingProps, rootArn: string, topicKeyArn: string) {
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
        kmsMasterKeyId: topicKeyArn,
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
    const orderAlertsTopic = topic(
      "OrderAlertsTopic",
      "order-alerts",
      "Order confirmations",
      props.orderEventEmails,
    );
    const orderErrorTopic = topic(
      "OrderErrorNotificationTopic",
      "order-errors",
      "Order failures",
      props.orderEventEmails,
    );
    const criticalAlertsTopic = topic(
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
          resources: [criticalAlertsTopic.arn],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
        {
          sid: "AccountPrincipalsPublish",
          actions: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
          principals: [{ type: "AWS", identifiers: [rootArn] }],
          resources: [criticalAlertsTopic.arn],
        },
      ],
    });
    new SnsTopicPolicy(this, "CriticalAlertsTopicPolicy", {
      arn: criticalAlertsTopic.arn,
      policy: criticalPolicy.json,
    });
    return { orderAlertsTopic, orderErrorTopic, criticalAlertsTopic };
  }
}
