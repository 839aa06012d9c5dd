/**
 * An order read by its key, and many at once: how every DynamoDB adapter of the orders table reads
 * orders.
 */
import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { OrderRecord } from "../order";

/** BatchGetItem's limit. */
const BATCH = 100;
/** Unprocessed keys (throttling) are asked for again this many times before the run gives up. */
const BATCH_ATTEMPTS = 5;

/** One order; strongly consistent unless the caller can do with an earlier image. */
export async function readOrder(
  client: DynamoDBDocumentClient,
  tableName: string,
  orderId: string,
  options: { readonly consistent: boolean } = { consistent: true },
): Promise<OrderRecord | undefined> {
  const { Item } = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: { orderId },
      ...(options.consistent ? { ConsistentRead: true } : {}),
    }),
  );
  return Item as OrderRecord | undefined;
}

/** Orders by id, whole, a hundred per BatchGetItem; unprocessed keys (throttling) asked for again. */
export async function batchGetOrders(
  client: DynamoDBDocumentClient,
  tableName: string,
  orderIds: readonly string[],
): Promise<OrderRecord[]> {
  const found: OrderRecord[] = [];
  for (let i = 0; i < orderIds.length; i += BATCH) {
    let keys: Record<string, unknown>[] = orderIds.slice(i, i + BATCH).map((orderId) => ({ orderId }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > BATCH_ATTEMPTS) throw new Error(`${keys.length} orders could not be read (throttled).`);
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }),
      );
      found.push(...((Responses?.[tableName] ?? []) as OrderRecord[]));
      keys = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
  return found;
}
