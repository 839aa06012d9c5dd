/**
 * Low stock told on the operators' topic (OrderAlertsTopic). A message that cannot be sent is logged
 * as an error and counted; the change it reports stays committed. The SNS client is loaded at the
 * first message: crossings are rare, so the functions that change stock keep it out of their cold
 * start.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { LazySnsNotifier } from "../../alerts/adapters/lazy-sns-notifier";
import type { Notifier } from "../../alerts/ports";
import type { Observability } from "../../platform/observability";
import { notifierAlerts, type LowStockAlerts } from "../stock";

export function reportedLowStockAlerts(
  notifier: Notifier | undefined,
  topicArn: string,
  { logger, metrics }: Observability,
): LowStockAlerts {
  return notifierAlerts(notifier ?? new LazySnsNotifier(topicArn), (low, error) => {
    logger.error("Low stock could not be told", {
      productId: low.productId,
      error: (error as Error).name,
      reason: (error as Error).message,
    });
    metrics.addMetric("LowStockAlertsNotSent", MetricUnit.Count, 1);
  });
}
