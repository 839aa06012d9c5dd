/** Local SNS: the stack's topics; every publish is kept (GET /_local/notifications) and joins the event feed. */
import { orderIdIn } from "../console/event-feed";
import type { ServiceModule } from "../runtime/context";
import { LocalNotifications } from "./notifications";
import { FUNCTIONS } from "../../lambdas/platform/contracts";
import { lambdaService } from "../lambda/service";
import { LOCAL_TOPICS } from "../runtime/resources";
import { guardNotifier } from "./iam";

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
    // Low stock goes to local SNS from the functions whose contract may tell it, under their roles.
    const { functions } = ctx.need(lambdaService);
    const topic = LOCAL_TOPICS.OrderAlertsTopic;
    for (const spec of FUNCTIONS.filter((f) => f.access.some((grant) => grant.sid === "TellLowStock"))) {
      const published = notifications.notifier(topic);
      functions.givePorts(spec.id, {
        lowStockNotifier: ctx.iam ? guardNotifier(ctx.iam, spec.id, topic, published) : published,
      });
    }
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
