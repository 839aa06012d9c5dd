/** StaleOrderFinder on the orders-by-status index: one Query per status, oldest update first. */
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StaleOrder, StaleOrderFinder } from "../ports";
import { ORDERS_BY_STATUS_INDEX } from "../table-definitions";

export class DynamoDbStaleOrders implements StaleOrderFinder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(status: StaleOrder["status"], updatedBefore: string, limit: number): Promise<StaleOrder[]> {
    const found: StaleOrder[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: ORDERS_BY_STATUS_INDEX.name,
          KeyConditionExpression: "#status = :status AND #updatedAt < :before",
          ExpressionAttributeNames: {
            "#status": ORDERS_BY_STATUS_INDEX.partitionKey,
            "#updatedAt": ORDERS_BY_STATUS_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ":status": status, ":before": updatedBefore },
          Limit: limit - found.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        found.push({ orderId: String(item.orderId), status, updatedAt: String(item.updatedAt) });
      }
      start = page.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found;
  }
}
