import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Notification, Notifier } from "../ports";
import { snsPublishInput } from "./sns-publish-input";

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    await this.client.send(new PublishCommand(snsPublishInput(this.topicArn, notification)));
  }
}
