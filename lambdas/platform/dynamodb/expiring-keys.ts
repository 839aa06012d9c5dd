/**
 * A record of the idempotency-key table that names something for a while (an order, a refund
 * request): put only when the key is free, that is absent or expired. DynamoDB's TTL deletes an
 * expired record some time later (often days): until then the expiry itself says the key is free.
 * A record written before keys expired has no expiry and never does.
 */
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { ORDER_KEYS_TABLE } from "../table-definitions";

/** idempotency_key_ttl_hours' default: Stripe keeps its idempotency keys as long. */
export const DEFAULT_KEY_TTL_SECONDS = 24 * 3600;

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The Put of a transaction that claims `key` for `ttlSeconds`. */
export function expiringKeyPut(
  tableName: string,
  key: string,
  item: Record<string, unknown>,
  ttlSeconds: number,
): TransactItem {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return {
    Put: {
      TableName: tableName,
      Item: {
        [ORDER_KEYS_TABLE.partitionKey]: key,
        ...item,
        [ORDER_KEYS_TABLE.expiryAttribute]: nowSeconds + ttlSeconds,
      },
      ConditionExpression: "attribute_not_exists(#key) OR #expires < :now",
      ExpressionAttributeNames: {
        "#key": ORDER_KEYS_TABLE.partitionKey,
        "#expires": ORDER_KEYS_TABLE.expiryAttribute,
      },
      ExpressionAttributeValues: { ":now": nowSeconds },
    },
  };
}
