import type { PublishCommandInput } from "@aws-sdk/client-sns";
import type { Notification } from "../ports";

/** One notification as SNS's Publish input (no SDK code here: the lazy notifier imports it too). */
export function snsPublishInput(topicArn: string, notification: Notification): PublishCommandInput {
  return {
    TopicArn: topicArn,
    // SNS subjects: at most 100 printable ASCII characters.
    Subject: notification.subject.slice(0, 100),
    Message: notification.message,
  };
}
