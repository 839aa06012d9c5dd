/**
 * The orders created since a moment, for the payment reconciliation: the orders-by-status index
 * (one Query per status, updated since then: a superset) and the orders themselves, a hundred per
 * BatchGetItem. Read once a day; a few thousand orders cost a few hundred reads.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ORDER_STATUSES, type OrderRecord } from "../order";
import type { RecentOrders } from "../ports";
import { batchGetOrders, readOrder } from "./dynamodb-order-reads";
import { statusIndexPage } from "./dynamodb-stale-orders";
import { documentClient } from "../../platform/dynamodb/document-client";

export class DynamoDbRecentOrders implements RecentOrders {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.tableName, orderId, { consistent: false });
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

export function dynamoDbRecentOrders(config: { readonly ordersTableName: string }): DynamoDbRecentOrders {
  return new DynamoDbRecentOrders(documentClient(), config.ordersTableName);
}
