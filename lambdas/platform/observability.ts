/** Observability shared by every handler.ts: Powertools logger and metrics, flushed per invocation. */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { METRICS_NAMESPACE } from "./config";
import { asWorkflowError, BusinessError } from "./errors";

/** Errors a function throws on purpose (a business outcome): Lambda counts them as Errors too. */
export const BUSINESS_ERRORS_METRIC = "BusinessErrors";

/** A function's logger and metrics, handed to the shared steps it runs. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({
      serviceName,
      namespace: METRICS_NAMESPACE,
    }),
  };
}

/**
 * Runs one invocation with the logger's Lambda context and flushes metrics (EMF) at the end, so
 * every handler gets the same structured logs and metrics without repeating the plumbing.
 */
export async function instrumented<T>(
  observability: { logger: Logger; metrics: Metrics },
  context: Context | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const { logger, metrics } = observability;
  if (context) logger.addContext(context);
  try {
    return await work();
  } catch (error) {
    // A business error ends the order on the failure path: count it, by reason (in its own metric
    // blob, so the reason is no dimension of the invocation's other metrics), and as BusinessErrors,
    // which the function's error alarm subtracts from Lambda's Errors: a declined card pages nobody.
    if (error instanceof BusinessError) {
      const failed = metrics.singleMetric();
      failed.addDimension("reason", error.name);
      failed.addMetric("OrdersFailed", MetricUnit.Count, 1);
      metrics.addMetric(BUSINESS_ERRORS_METRIC, MetricUnit.Count, 1);
    }
    throw asWorkflowError(error);
  } finally {
    // Only when there is something to say: an empty flush just logs a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}
