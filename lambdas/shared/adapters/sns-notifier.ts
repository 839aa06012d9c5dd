import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Notification, Notifier } from "../ports";

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS subjects: at most 100 printable ASCII characters.
        Subject: notification.subject.slice(0, 100),
        Message: notification.message,
      }),
    );
  }
}

/**
 * An SNS notifier whose client is loaded at the first message, for a function that rarely publishes
 * (PaymentEvents pages a dispute): the SNS client stays out of its cold start.
 */
export class LazySnsNotifier implements Notifier {
  private notifier?: Promise<SnsNotifier>;

  constructor(private readonly topicArn: string) {}

  async publish(notification: Notification): Promise<void> {
    this.notifier ??= import("@aws-sdk/client-sns").then(
      ({ SNSClient }) => new SnsNotifier(new SNSClient({ maxAttempts: 3 }), this.topicArn),
    );
    await (await this.notifier).publish(notification);
  }
}
