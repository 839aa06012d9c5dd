/**
 * Local EventBridge: OrderConfirmationRule on the default bus → OrderSuccessHandler (asynchronous
 * invocation with retries, then its dead-letter queue), whose alerts go to local SNS.
 */
import { join } from "node:path";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_TOPICS } from "../runtime/resources";
import { guardNotifier } from "../sns/iam";
import { snsService } from "../sns/service";
import { startEventService, type EventService, type StatusChangeEvent } from "./rule";

export const eventBridgeService: ServiceModule<EventService> = {
  name: "eventbridge",
  start: (ctx) => {
    const { settings, iam } = ctx;
    const { notifications } = ctx.need(snsService);
    const topic = LOCAL_TOPICS.OrderAlertsTopic;
    const published = notifications.notifier(topic);
    const alerts = iam ? guardNotifier(iam, "OrderSuccessHandler", topic, published) : published;
    const successHandler = ctx
      .need(lambdaService)
      .functions.handler<StatusChangeEvent, unknown>("OrderSuccessHandler", {
        alerts: settings.wrapPorts?.orderAlerts?.(alerts) ?? alerts,
      });
    return startEventService({
      successHandler,
      notifications,
      deadLetterPath: settings.dataDir && join(settings.dataDir, "queue", "confirmation-dlq.jsonl"),
      log: ctx.log,
      meter: ctx.meter,
      workflowType: settings.workflowType,
    });
  },
};
