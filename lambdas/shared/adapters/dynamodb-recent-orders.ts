/**
 * The orders created since a moment, for the payment reconciliation: the orders-by-status index
 * (one Query per status, updated since then: a superset) and the orders themselves, a hundred per
 * BatchGetItem. Read once a day; a few thousand orders cost a few hundred reads.
 */
import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ORDER_STATUSES, type OrderRecord } from "../order";
import type { RecentOrders } from "../ports";
import { statusIndexPage } from "./dynamodb-stale-orders";

/** BatchGetItem's limit. */
const BATCH = 100;
/** Unprocessed keys (throttling) are asked for again this many times before the run gives up. */
const BATCH_ATTEMPTS = 5;

export class DynamoDbRecentOrders implements RecentOrders {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { orderId } }));
    return Item as OrderRecord | undefined;
  }

  async createdSince(since: string): Promise<OrderRecord[]> {
    const ids: string[] = [];
    for (const status of ORDER_STATUSES) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(statusIndexPage(this.tableName, status, { since }, { start }));
        ids.push(...(page.Items ?? []).map((item) => String(item.orderId)));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    const orders = await batchGetOrders(this.client, this.tableName, ids);
    return orders.filter((order) => order.createdAt >= since);
  }
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
