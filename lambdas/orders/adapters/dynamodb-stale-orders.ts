/** StaleOrderFinder on the orders-by-status index: one Query per status, oldest update first. */
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { OrderStatus } from "../order";
import type { StaleOrder, StaleOrderFinder } from "../ports";
import { ORDERS_BY_STATUS_INDEX } from "../../platform/table-definitions";

/**
 * One page of the orders-by-status index: the orders of `status` whose last update is before
 * (`<`) or since (`>=`) a moment, oldest first. Items carry the index's keys only.
 */
export function statusIndexPage(
  tableName: string,
  status: OrderStatus,
  updated: { readonly before: string } | { readonly since: string },
  page: { readonly limit?: number; readonly start?: Record<string, unknown> } = {},
): QueryCommand {
  const [operator, value] = "before" in updated ? ["<", updated.before] : [">=", updated.since];
  return new QueryCommand({
    TableName: tableName,
    IndexName: ORDERS_BY_STATUS_INDEX.name,
    KeyConditionExpression: `#status = :status AND #updatedAt ${operator} :moment`,
    ExpressionAttributeNames: {
      "#status": ORDERS_BY_STATUS_INDEX.partitionKey,
      "#updatedAt": ORDERS_BY_STATUS_INDEX.sortKey,
    },
    ExpressionAttributeValues: { ":status": status, ":moment": value },
    Limit: page.limit,
    ExclusiveStartKey: page.start,
  });
}

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
        statusIndexPage(
          this.tableName,
          status,
          { before: updatedBefore },
          { limit: limit - found.length, start },
        ),
      );
      for (const item of page.Items ?? []) {
        found.push({ orderId: String(item.orderId), status, updatedAt: String(item.updatedAt) });
      }
      start = page.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found;
  }
}
