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
