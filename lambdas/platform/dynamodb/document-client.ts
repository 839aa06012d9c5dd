/**
 * The DynamoDB client every deployed function's stores share (one per process), and the key table's
 * TTL setting as the stores read it. Each store's factory sits beside its adapter.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

let sharedDocumentClient: DynamoDBDocumentClient | undefined;

/** One DocumentClient per process, with the SDK's standard retries (backoff with jitter). */
export function documentClient(): DynamoDBDocumentClient {
  sharedDocumentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedDocumentClient;
}

/** idempotency_key_ttl_hours as seconds; undefined when the function is not configured with it. */
export function keyTtlSeconds(hoursText: string | undefined): number | undefined {
  if (hoursText === undefined) return undefined;
  const hours = Number(hoursText);
  if (!(Number.isInteger(hours) && hours >= 1)) {
    throw new Error(`idempotencyKeyTtlHours must be a whole number of hours (got "${hoursText}").`);
  }
  return hours * 3600;
}
