/**
 * On start, every order a previous run left unfinished (PENDING or PROCESSING in a kept --data-dir)
 * is sent to OrdersQueue again, unless a message for it is already queued. StartOrderProcessing
 * then runs its workflow again: the steps are idempotent (one charge and one stock change per order,
 * recorded on the order), so a re-run finishes what the crash interrupted and never repeats it.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { ORDER_ATTRIBUTES, type OrderStatus } from "../../lambdas/orders/order";
import type { OrderQueue } from "../../lambdas/workflow/ports";
import {
  ORDER_KEYS_TABLE,
  ORDERS_BY_CUSTOMER_INDEX,
  ORDERS_TABLE,
} from "../../lambdas/platform/table-definitions";

export interface RecoveryOptions {
  readonly client: DynamoDBClient;
  readonly ordersTable: string;
  readonly orderKeysTable: string;
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

/**
 * Idempotency records whose order does not exist. DynamoDB's transactions never leave one; a crash
 * of the local database in the middle of a write can, and the key would then refuse its client's
 * retry. They are removed, so the retry places the order.
 */
async function removeOrphanKeys(options: RecoveryOptions): Promise<number> {
  let removed = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await options.client.send(
      new ScanCommand({ TableName: options.orderKeysTable, ExclusiveStartKey: startKey }),
    );
    for (const record of page.Items ?? []) {
      const orderId = record.orderId?.S;
      const order = orderId
        ? await options.client.send(
            new GetItemCommand({
              TableName: options.ordersTable,
              Key: { [ORDERS_TABLE.partitionKey]: { S: orderId } },
              ConsistentRead: true,
            }),
          )
        : undefined;
      if (order?.Item) continue;
      const keyAttribute = ORDER_KEYS_TABLE.partitionKey;
      await options.client.send(
        new DeleteItemCommand({
          TableName: options.orderKeysTable,
          Key: { [keyAttribute]: record[keyAttribute] },
        }),
      );
      removed++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return removed;
}

/**
 * Entries of the customer's-orders index whose order does not exist. DynamoDB maintains its indexes
 * itself; dynalite writes an item and its index entries separately, so a crash between the two can
 * leave an entry behind. Writing the item back and deleting it removes the entry with it.
 */
async function removeGhostIndexEntries(options: RecoveryOptions): Promise<number> {
  let removed = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  const id = ORDERS_TABLE.partitionKey;
  do {
    const page = await options.client.send(
      new ScanCommand({
        TableName: options.ordersTable,
        IndexName: ORDERS_BY_CUSTOMER_INDEX.name,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const entry of page.Items ?? []) {
      const key = { [id]: entry[id] };
      const base = await options.client.send(
        new GetItemCommand({ TableName: options.ordersTable, Key: key, ConsistentRead: true }),
      );
      if (base.Item) continue;
      const { partitionKey, sortKey } = ORDERS_BY_CUSTOMER_INDEX;
      await options.client.send(
        new PutItemCommand({
          TableName: options.ordersTable,
          Item: { ...key, [partitionKey]: entry[partitionKey], [sortKey]: entry[sortKey] },
        }),
      );
      await options.client.send(new DeleteItemCommand({ TableName: options.ordersTable, Key: key }));
      removed++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return removed;
}

/** Repairs what a crash can leave, then re-queues unfinished orders; returns how many were sent. */
export async function resumeUnfinishedOrders(options: RecoveryOptions): Promise<number> {
  const ghosts = await removeGhostIndexEntries(options);
  if (ghosts > 0) options.log(`Removed ${ghosts} index entr(ies) of orders a crash never wrote`);
  const orphans = await removeOrphanKeys(options);
  if (orphans > 0) options.log(`Removed ${orphans} idempotency key(s) whose order a crash never wrote`);
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
      `Resuming unfinished orders: ${resumed.length} sent to the queue again, ${queued.size} still queued from the last run` +
        (resumed.length > 0 ? ` (${resumed.join(", ")})` : ""),
    );
  }
  return resumed.length;
}
