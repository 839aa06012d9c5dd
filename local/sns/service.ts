/** Local SNS: the stack's topics; every publish is kept (GET /_local/notifications) and joins the event feed. */
import { orderIdIn } from "../console/event-feed";
import type { ServiceModule } from "../runtime/context";
import { LocalNotifications } from "./notifications";

export interface SnsService {
  readonly name: string;
  readonly notifications: LocalNotifications;
  readonly routes: { readonly get: Record<string, () => unknown> };
  stop(): Promise<void>;
}

export const snsService: ServiceModule<SnsService> = {
  name: "sns",
  start: (ctx) => {
    const notifications = new LocalNotifications({ meter: ctx.meter });
    notifications.onPublish((n) =>
      ctx.feed.append("notification", { topic: n.topic, subject: n.subject }, orderIdIn(n.subject)),
    );
    return {
      name: "sns",
      notifications,
      routes: {
        get: {
          notifications: () => ({ notifications: notifications.list().map(({ topicArn: _arn, ...n }) => n) }),
        },
      },
      stop: () => notifications.stop(),
    };
  },
};
