/**
 * Stock changes on DynamoDB, each with its movement: the product's item carries `movementCount`,
 * the number of its movements, and a change is a transaction of the product's update (the new stock
 * and count, conditional on the count it read) and the movement's put (the next seq, the stock after
 * it). A change made meanwhile fails the condition and the writer reads again, so every movement
 * knows the exact stock it left and no movement exists without its change, nor a change without it.
 */
import {
  BatchGetCommand,
  QueryCommand,
  TransactWriteCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { INVENTORY_TABLE, STOCK_MOVEMENTS_TABLE } from "../../platform/table-definitions";
import {
  SYSTEM_ACTOR,
  crossesLowStock,
  decodeMovementCursor,
  encodeMovementCursor,
  thresholdOf,
  type LowStock,
  type MovementCause,
  type MovementPage,
  type StockMovement,
} from "../stock";
import type { InventoryItem } from "./inventory-item";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_LIMIT = 100;

export interface StockTables {
  readonly inventory: string;
  readonly movements: string;
}

/** One planned change of one product's stock: its writes, its movement, and a crossing if any. */
export interface PlannedChange {
  readonly update: TransactItem;
  readonly put: TransactItem;
  readonly movement: StockMovement;
  readonly lowStock?: LowStock;
}

/** The movement's item (its cause's fields beside the numbers). */
function movementPut(table: string, movement: StockMovement): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...movement },
      ConditionExpression: "attribute_not_exists(#seq)",
      ExpressionAttributeNames: { "#seq": STOCK_MOVEMENTS_TABLE.sortKey!.name },
    },
  };
}

/**
 * The writes of one change of a product as read (`item`, with its movement count): the stock after
 * it must not be negative (the caller refuses first). `defaultThreshold` is the deployment's.
 */
export function plannedChange(
  tables: StockTables,
  item: InventoryItem,
  delta: number,
  cause: MovementCause,
  at: string,
  defaultThreshold: number,
): PlannedChange {
  const read = Number(item.movementCount);
  const before = Number(item.stock);
  const after = before + delta;
  if (!Number.isInteger(read) || after < 0) {
    throw new Error(`Cannot plan a change of ${item.ProductID}: count ${read}, stock ${before} ${delta}`);
  }
  const threshold = thresholdOf(item.lowStockThreshold, defaultThreshold);
  const low = crossesLowStock(before, after, threshold);
  const movement: StockMovement = {
    ...cause,
    productId: item.ProductID,
    seq: read + 1,
    delta,
    stockAfter: after,
    at,
    ...(low ? { lowStock: true } : {}),
  };
  return {
    update: {
      Update: {
        TableName: tables.inventory,
        Key: { [INVENTORY_TABLE.partitionKey]: item.ProductID },
        UpdateExpression: "SET stock = :after, movementCount = :seq",
        // The count it read: any other change of this product since then refuses this one.
        ConditionExpression: "movementCount = :read",
        ExpressionAttributeValues: { ":after": after, ":seq": read + 1, ":read": read },
      },
    },
    put: movementPut(tables.movements, movement),
    movement,
    ...(low
      ? { lowStock: { productId: item.ProductID, name: item.name, stock: after, threshold, movement } }
      : {}),
  };
}

/** The opening movement of a product's first stock (a new product, the seed): `movementCount` 1. */
export function openingMovement(
  productId: string,
  stock: number,
  cause: Extract<MovementCause, { kind: "adjustment" }>,
  at: string,
): StockMovement {
  return { ...cause, productId, seq: 1, delta: stock, stockAfter: stock, at };
}

export function openingPut(table: string, movement: StockMovement): TransactItem {
  return movementPut(table, movement);
}

/** A change lost a race (its condition, or a conflicting transaction): read again and retry. */
export function lostRace(error: unknown, reasonIndexes: readonly number[]): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const reasons = error.CancellationReasons ?? [];
  return reasonIndexes.some((i) =>
    ["ConditionalCheckFailed", "TransactionConflict"].includes(reasons[i]?.Code ?? ""),
  );
}

/** A short, growing, jittered pause between attempts of a change that lost a race. */
export function raceBackoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

export class DynamoDbStockLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tables: StockTables,
  ) {}

  /** The products' items as they are now (consistent reads), with unprocessed keys retried. */
  async items(productIds: readonly string[]): Promise<Map<string, InventoryItem>> {
    const items = new Map<string, InventoryItem>();
    for (let start = 0; start < productIds.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = productIds
        .slice(start, start + BATCH_GET_LIMIT)
        .map((id) => ({ [INVENTORY_TABLE.partitionKey]: id }));
      for (let round = 0; keys && keys.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tables.inventory]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tables.inventory] ?? []) {
          items.set(String(item[INVENTORY_TABLE.partitionKey]), item as InventoryItem);
        }
        keys = result.UnprocessedKeys?.[this.tables.inventory]?.Keys;
      }
    }
    return items;
  }

  /**
   * Products kept from before their movements were recorded get their opening movement: their stock
   * as it stands, so that the movements add up from here on. True when any was opened (read again).
   */
  async openLedgers(items: Iterable<InventoryItem>): Promise<boolean> {
    let opened = false;
    for (const item of items) {
      if (item.movementCount !== undefined) continue;
      opened = true;
      const stock = Number(item.stock);
      const opening = openingMovement(
        item.ProductID,
        stock,
        {
          kind: "adjustment",
          adjustmentId: `opening-${item.ProductID}`,
          reason: "correction",
          note: "Stock before its movements were recorded",
          by: SYSTEM_ACTOR,
        },
        new Date().toISOString(),
      );
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tables.inventory,
                  Key: { [INVENTORY_TABLE.partitionKey]: item.ProductID },
                  UpdateExpression: "SET movementCount = :one",
                  ConditionExpression: "attribute_not_exists(movementCount) AND stock = :stock",
                  ExpressionAttributeValues: { ":one": 1, ":stock": stock },
                },
              },
              openingPut(this.tables.movements, opening),
            ],
          }),
        );
      } catch (error) {
        // Opened meanwhile by another writer, or its stock changed: the caller reads it again.
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    return opened;
  }

  /** A page of a product's movements, newest first. */
  async page(productId: string, limit: number, cursor?: string): Promise<MovementPage | "bad-cursor"> {
    const before = cursor === undefined ? undefined : decodeMovementCursor(cursor, productId);
    if (cursor !== undefined && before === undefined) return "bad-cursor";
    const seq = STOCK_MOVEMENTS_TABLE.sortKey!.name;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.movements,
        KeyConditionExpression:
          before === undefined ? "#product = :product" : "#product = :product AND #seq < :before",
        ExpressionAttributeNames: {
          "#product": STOCK_MOVEMENTS_TABLE.partitionKey,
          ...(before === undefined ? {} : { "#seq": seq }),
        },
        ExpressionAttributeValues: {
          ":product": productId,
          ...(before === undefined ? {} : { ":before": before }),
        },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const movements = (result.Items ?? []) as StockMovement[];
    const last = movements.at(-1);
    return {
      movements,
      ...(result.LastEvaluatedKey && last && last.seq > 1
        ? { next: encodeMovementCursor(productId, last.seq) }
        : {}),
    };
  }
}
