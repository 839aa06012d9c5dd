/** Observability shared by every handler.ts: Powertools logger and metrics, flushed per invocation. */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { METRICS_NAMESPACE } from "../contracts";
import { asWorkflowError, BusinessError } from "./errors";

export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
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
    // A business error ends the order on the failure path: count it, by reason.
    if (error instanceof BusinessError) {
      metrics.addDimension("reason", error.name);
      metrics.addMetric("OrdersFailed", MetricUnit.Count, 1);
    }
    throw asWorkflowError(error);
  } finally {
    // Only when there is something to say: an empty flush just logs a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}
