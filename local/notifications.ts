/** Local SNS: every publish is kept (for GET /_local/notifications) and shown to the listener. */
export interface PublishedNotification {
  readonly topic: string;
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  readonly publishedAt: string;
}

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

export const LOCAL_TOPICS = {
  OrderAlertsTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-alerts`,
  OrderErrorNotificationTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-errors`,
  CriticalAlertsTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:critical-alerts`,
} as const;

export class LocalNotifications {
  private readonly published: PublishedNotification[] = [];
  private readonly listeners: ((n: PublishedNotification) => void)[] = [];

  onPublish(listener: (n: PublishedNotification) => void): void {
    this.listeners.push(listener);
  }

  publish(topicArn: string, subject: string, message: string): { MessageId: string } {
    const topic = Object.entries(LOCAL_TOPICS).find(([, arn]) => arn === topicArn)?.[0];
    if (!topic) {
      const error = new Error(`Topic does not exist: ${topicArn}`);
      error.name = "SNS.NotFoundException";
      throw error;
    }
    const notification = { topic, topicArn, subject, message, publishedAt: new Date().toISOString() };
    this.published.push(notification);
    this.listeners.forEach((l) => l(notification));
    return { MessageId: `local-${this.published.length}` };
  }

  list(): readonly PublishedNotification[] {
    return this.published;
  }
}
