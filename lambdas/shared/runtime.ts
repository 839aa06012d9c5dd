/** Cold-start wiring shared by every handler.ts: configuration, observability and SDK clients. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { BusinessError } from "./errors";

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(
      `Missing required environment variable ${name}; the stack sets it on every deployed function.`,
    );
  }
  return value;
}

export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "EcommerceOrders",
    }),
  };
}

let sharedDocumentClient: DynamoDBDocumentClient | undefined;

/** One DocumentClient per process, with the SDK's standard retries (backoff with jitter). */
export function documentClient(): DynamoDBDocumentClient {
  sharedDocumentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedDocumentClient;
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
    throw error;
  } finally {
    // Only when there is something to say: an empty flush just logs a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}
