/**
 * Low stock told on the operators' topic (OrderAlertsTopic), with the SNS client loaded at the first
 * message: crossings are rare, so the functions that change stock keep it out of their cold start.
 * A message that cannot be sent is logged as an error (the function's error alarm sees the log
 * metric) and counted; the change it reports stays committed.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { LazySnsNotifier } from "../../alerts/adapters/lazy-sns-notifier";
import type { Observability } from "../../platform/observability";
import { notifierAlerts, type LowStockAlerts } from "../stock";

export function snsLowStockAlerts(topicArn: string, { logger, metrics }: Observability): LowStockAlerts {
  return notifierAlerts(new LazySnsNotifier(topicArn), (low, error) => {
    logger.error("Low stock could not be told", { productId: low.productId, error: (error as Error).name });
    metrics.addMetric("LowStockAlertsNotSent", MetricUnit.Count, 1);
  });
}
