export interface Notification {
  readonly subject: string;
  readonly message: string;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}
