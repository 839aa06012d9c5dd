/**
 * On start, every order a previous run left unfinished (PENDING or PROCESSING in a kept --data-dir)
 * is sent to OrdersQueue again, unless a message for it is already queued. StartOrderProcessing
 * then runs its workflow again: the steps are idempotent (one charge and one stock change per order,
 * recorded on the order), so a re-run finishes what the crash interrupted and never repeats it.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ORDER_ATTRIBUTES, type OrderStatus } from "../../lambdas/shared/order";
import type { OrderQueue } from "../../lambdas/shared/ports";
import { ORDERS_TABLE } from "../../lambdas/shared/table-definitions";

export interface RecoveryOptions {
  readonly client: DynamoDBClient;
  readonly ordersTable: string;
  readonly queue: OrderQueue;
  /** Bodies of the messages already queued (restored from the queue's journal). */
  readonly alreadyQueued: readonly string[];
  readonly log: (line: string) => void;
}

const UNFINISHED: readonly OrderStatus[] = ["PENDING", "PROCESSING"];

/** The ids of the orders that are neither CONFIRMED nor FAILED. */
async function unfinishedOrders(client: DynamoDBClient, table: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "#status IN (:pending, :processing)",
        ExpressionAttributeNames: { "#status": ORDER_ATTRIBUTES.status, "#id": ORDERS_TABLE.partitionKey },
        ExpressionAttributeValues: { ":pending": { S: UNFINISHED[0] }, ":processing": { S: UNFINISHED[1] } },
        ProjectionExpression: "#id",
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const id = item[ORDERS_TABLE.partitionKey]?.S;
      if (id) ids.push(id);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

/** Re-queues unfinished orders; returns how many were sent. */
export async function resumeUnfinishedOrders(options: RecoveryOptions): Promise<number> {
  const queued = new Set(
    options.alreadyQueued.flatMap((body) => {
      try {
        return [String((JSON.parse(body) as { orderId?: unknown }).orderId)];
      } catch {
        return [];
      }
    }),
  );
  const resumed = (await unfinishedOrders(options.client, options.ordersTable)).filter(
    (id) => !queued.has(id),
  );
  for (const orderId of resumed) await options.queue.send({ orderId });
  if (resumed.length > 0 || queued.size > 0) {
    options.log(
      `Resuming unfinished orders: ${resumed.length} sent to the queue again, ${queued.size} still queued from the last run`,
    );
  }
  return resumed.length;
}
