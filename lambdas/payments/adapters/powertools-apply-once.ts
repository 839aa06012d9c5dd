/**
 * Each provider event applied once: Powertools Idempotency on the idempotency-key table, keyed by the
 * event id. PaymentEvents loads it with the first event (its `./apply-once`), not at cold start: the
 * library and its JMESPath engine are an eighth of the function, and the workflow's waiting step,
 * most of its invocations, never needs them (scripts/bundle.ts: LAZY_PACKAGES).
 *
 * The persistence layer recognizes a taken key by `instanceof ConditionalCheckFailedException`, so
 * its DynamoDB client is built here, from the same copy of the SDK as the layer.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import type { ApplyOnce } from "../provider-events";

/** Stripe retries an event for up to three days; its id is remembered for a week. */
export const EVENT_RECORD_SECONDS = 7 * 24 * 3600;

/** One record per provider event id (`id`), remembered for EVENT_RECORD_SECONDS. */
function eventIdempotency(): IdempotencyConfig {
  return new IdempotencyConfig({ eventKeyJmesPath: "id", expiresAfterSeconds: EVENT_RECORD_SECONDS });
}

/** Powertools Idempotency on the idempotency-key table, keyed by the event id, expiring after a week. */
export function powertoolsApplyOnce(
  tableName: string,
  client: DynamoDBClient = new DynamoDBClient({ maxAttempts: 4 }),
  idempotency: IdempotencyConfig = eventIdempotency(),
): ApplyOnce {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    keyAttr: ORDER_KEYS_TABLE.partitionKey,
    expiryAttr: ORDER_KEYS_TABLE.expiryAttribute,
    awsSdkV3Client: client,
  });
  return (applyFn, context) => {
    // The in-progress record expires with the invocation: a crashed one does not block a retry.
    if (context) idempotency.registerLambdaContext(context);
    return makeIdempotent(applyFn, { persistenceStore, config: idempotency });
  };
}
