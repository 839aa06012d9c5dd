/**
 * An SNS notifier whose client is loaded at the first message, for a function that rarely publishes
 * (PaymentEvents pages a dispute): the SNS client stays out of its cold start. In its own module,
 * importing no SDK code statically: a static import would load the client at cold start, and a
 * bundle that holds the eager SnsNotifier must not see this import() (esbuild would keep every
 * export of the package for it).
 */
import type { Notification, Notifier } from "../ports";
import { snsPublishInput } from "./sns-publish-input";

export class LazySnsNotifier implements Notifier {
  private send?: Promise<(notification: Notification) => Promise<unknown>>;

  constructor(private readonly topicArn: string) {}

  async publish(notification: Notification): Promise<void> {
    this.send ??= import("@aws-sdk/client-sns").then(({ SNSClient, PublishCommand }) => {
      const client = new SNSClient({ maxAttempts: 3 });
      return (n) => client.send(new PublishCommand(snsPublishInput(this.topicArn, n)));
    });
    await (
      await this.send
    )(notification);
  }
}
