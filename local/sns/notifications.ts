/** Local SNS: every publish is kept (for GET /_local/notifications) and shown to the listener. */
import type { Notifier } from "../../lambdas/alerts/ports";
import { LOCAL_TOPICS } from "../runtime/resources";
import { payloadChunks, type Meter } from "../meter/meter";

export interface LocalNotificationsOptions {
  /** Counts publishes, e-mail deliveries and the topic key's KMS requests. */
  readonly meter?: Meter;
  /** order_event_emails: the per-order topics also e-mail the operator (CriticalAlertsTopic always does). */
  readonly orderEventEmails?: boolean;
}
export interface PublishedNotification {
  readonly topic: string;
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  readonly publishedAt: string;
}

/** How many notifications GET /_local/notifications keeps: the newest. */
export const RECENT_NOTIFICATIONS = 1000;

/** Local SNS as a service: it holds nothing that needs releasing. */
export class LocalNotifications {
  readonly name = "notifications";
  private published: PublishedNotification[] = [];
  private count = 0;
  private readonly listeners: ((n: PublishedNotification) => void)[] = [];

  constructor(private readonly options: LocalNotificationsOptions = {}) {}

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
    // Memory stays flat over long runs: only the newest are kept.
    if (this.published.length > RECENT_NOTIFICATIONS * 1.5)
      this.published = this.published.slice(-RECENT_NOTIFICATIONS);
    this.listeners.forEach((l) => l(notification));
    this.meter(topic, Buffer.byteLength(subject) + Buffer.byteLength(message));
    return { MessageId: `local-${++this.count}` };
  }

  /**
   * A publish is billed per 64 KB; the topics are encrypted with a customer managed key, so the
   * publish asks KMS for a data key and each e-mail delivery decrypts it (no data key caching
   * assumed: an upper bound).
   */
  private meter(topic: string, bytes: number): void {
    const meter = this.options.meter;
    if (!meter) return;
    meter.record("SNS", `Publish:${topic}`, { requests: payloadChunks(bytes) });
    meter.record("KMS", "GenerateDataKey:sns", { requests: 1 });
    if (topic === "CriticalAlertsTopic" || this.options.orderEventEmails) {
      meter.record("SNS", `DeliverEmail:${topic}`, { emailDeliveries: 1 });
      meter.record("KMS", "Decrypt:sns", { requests: 1 });
    }
  }

  async stop(): Promise<void> {}

  /** The newest RECENT_NOTIFICATIONS publishes, oldest first. */
  list(): readonly PublishedNotification[] {
    return this.published.slice(-RECENT_NOTIFICATIONS);
  }

  /** The Notifier port of one topic, as a handler's SNS adapter would publish to it. */
  notifier(topicArn: string): Notifier {
    return { publish: async (n) => void this.publish(topicArn, n.subject, n.message) };
  }
}
