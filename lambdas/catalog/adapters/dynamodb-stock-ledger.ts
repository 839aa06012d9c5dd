/**
 * Stock changes on DynamoDB, each with its movement, without making changes of one product wait
 * for each other. The product's item carries its newest movements in commit order (`log`, appended
 * by the same update that changes the stock) and how many older ones were copied to
 * StockMovementsTable (`flushed`). A change is one atomic update: no movement without its change,
 * no change without its movement, and an order's sale never retries because another order sold
 * the same product meanwhile. Any consistent read of the item numbers its log exactly: the entry j
 * is movement `flushed + 1 + j`, and its stock after is the stock minus the deltas logged after it.
 * A flush copies numbered entries to the table and removes them from the item (conditional on
 * `flushed`, so two flushes never remove twice), which keeps the item small.
 *
 * A decrease carries a band condition on the stock it meets — above the low-stock band, crossing
 * it, or already below — so the writer knows, from which band's condition held, whether its change
 * took the product to or below its threshold, without reading the stock first.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { INVENTORY_TABLE, STOCK_MOVEMENTS_TABLE } from "../../platform/table-definitions";
import type { Product } from "../product";
import {
  SYSTEM_ACTOR,
  decodeMovementCursor,
  encodeMovementCursor,
  thresholdOf,
  type LoggedMovement,
  type MovementCause,
  type MovementPage,
  type StockMovement,
} from "../stock";
import { inventoryItemOf, type InventoryItem } from "./inventory-item";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** How often a change that lost a race reads again before it gives up (adjustments, band changes). */
export const STOCK_CHANGE_ATTEMPTS = 25;
/** A log this long is copied to the movements table by the next writer that sees it. */
export const LOG_FLUSH_AT = 16;
/** An append to a log this long is refused: the writer flushes first (the item stays far below 400 KB). */
export const LOG_MAX = 400;
/** Entries one flush copies and removes (one update's expression names each index). */
const FLUSH_BATCH = 100;
/** DynamoDB's BatchGetItem and BatchWriteItem limits. */
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/** The product's item with its ledger. */
export type LedgerItem = InventoryItem;

export interface StockTables {
  readonly inventory: string;
  readonly movements: string;
}

/** The movements of a consistent read of the item's log, numbered, oldest first. */
export function numberedLog(item: LedgerItem): StockMovement[] {
  const log = item.log ?? [];
  const flushed = Number(item.flushed ?? 0);
  const numbered: StockMovement[] = [];
  let after = Number(item.stock);
  for (let j = log.length - 1; j >= 0; j--) {
    numbered.unshift({ ...log[j], productId: item.ProductID, seq: flushed + 1 + j, stockAfter: after });
    after -= Number(log[j].delta);
  }
  return numbered;
}

/** Which part of the stock a decrease meets: what tells the writer whether it crossed the threshold. */
export type Band = "above" | "crossing" | "below";

/** The band a decrease of `quantity` from `stock` meets, with threshold `threshold`. */
export function bandOf(stock: number, quantity: number, threshold: number): Band {
  if (stock - quantity > threshold) return "above";
  return stock > threshold ? "crossing" : "below";
}

/** The condition of a band on the stock it meets (`:take` units taken, `:t` the threshold). */
function bandCondition(band: Band): string {
  switch (band) {
    case "above":
      return "stock > :tt"; // :tt = threshold + take: the stock after stays above the threshold
    case "crossing":
      return "stock >= :take AND stock > :t AND stock <= :tt";
    case "below":
      return "stock >= :take AND stock <= :t";
  }
}

/**
 * What a change is conditional on besides its product's ledger: a decrease holds only in its band
 * (and never takes the stock below zero); a staff adjustment only on the item exactly as read (so
 * its answer can say its number and the stock after it); an increase on nothing more.
 */
type ChangeGuard =
  | { readonly band: Band; readonly threshold: number }
  | { readonly flushed: number; readonly logSize: number; readonly stock: number }
  | undefined;

function guardCondition(
  guard: ChangeGuard,
  take: number,
): { condition?: string; values: Record<string, unknown> } {
  if (!guard) return { values: {} };
  if ("band" in guard) {
    const values: Record<string, unknown> = {
      ":take": take,
      ":t": guard.threshold,
      ":tt": guard.threshold + take,
    };
    if (guard.band === "above") delete values[":t"];
    if (guard.band === "below") delete values[":tt"];
    if (guard.band === "above") delete values[":take"];
    return { condition: bandCondition(guard.band), values };
  }
  return {
    condition: "flushed = :flushed AND size(#log) = :size AND stock = :stock",
    values: { ":flushed": guard.flushed, ":size": guard.logSize, ":stock": guard.stock },
  };
}

/** The update of one change of a product's stock, with its movement appended to the product's log. */
export function stockUpdate(
  table: string,
  productId: string,
  entry: LoggedMovement,
  guard?: ChangeGuard,
): TransactItem {
  const { condition, values } = guardCondition(guard, -entry.delta);
  return {
    Update: {
      TableName: table,
      Key: { [INVENTORY_TABLE.partitionKey]: productId },
      UpdateExpression: "SET stock = stock + :delta, #log = list_append(#log, :entry)",
      ConditionExpression: [
        "attribute_exists(flushed) AND size(#log) < :max",
        ...(condition ? [condition] : []),
      ].join(" AND "),
      ExpressionAttributeNames: { "#log": "log" },
      ExpressionAttributeValues: { ":delta": entry.delta, ":entry": [entry], ":max": LOG_MAX, ...values },
    },
  };
}

/** A new product's item and its first movement (its opening stock), when it has stock. */
export function newProductWrites(
  inventoryTable: string,
  product: Product,
  opening: Omit<Extract<MovementCause, { kind: "adjustment" }>, "kind" | "reason">,
  extra: Record<string, unknown> = {},
): TransactItem[] {
  const log: LoggedMovement[] =
    product.stock > 0
      ? [
          {
            kind: "adjustment",
            reason: "received",
            ...opening,
            delta: product.stock,
            at: new Date().toISOString(),
          },
        ]
      : [];
  return [
    {
      Put: {
        TableName: inventoryTable,
        Item: { ...inventoryItemOf(product), ...extra, flushed: 0, log },
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": INVENTORY_TABLE.partitionKey },
      },
    },
  ];
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

/** Products' items by id (consistent reads), a hundred per BatchGetItem, unprocessed keys retried. */
export async function readInventoryItems(
  client: DynamoDBDocumentClient,
  table: string,
  productIds: readonly string[],
): Promise<Map<string, LedgerItem>> {
  const items = new Map<string, LedgerItem>();
  for (let start = 0; start < productIds.length; start += BATCH_GET_LIMIT) {
    let keys: Record<string, unknown>[] | undefined = productIds
      .slice(start, start + BATCH_GET_LIMIT)
      .map((id) => ({ [INVENTORY_TABLE.partitionKey]: id }));
    for (let round = 0; keys && keys.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
      const result: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[table] ?? []) {
        items.set(String(item[INVENTORY_TABLE.partitionKey]), item as LedgerItem);
      }
      keys = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}

export class DynamoDbStockLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tables: StockTables,
  ) {}

  /** The products' items as they are now. */
  items(productIds: readonly string[]): Promise<Map<string, LedgerItem>> {
    return readInventoryItems(this.client, this.tables.inventory, productIds);
  }

  /**
   * A product kept from before its movements were recorded gets its ledger: its stock as it
   * stands is its first movement, so the movements add up from here on. False when it had one.
   */
  async open(item: LedgerItem): Promise<boolean> {
    if (item.flushed !== undefined) return false;
    const stock = Number(item.stock);
    const opening: LoggedMovement[] =
      stock > 0
        ? [
            {
              kind: "adjustment",
              adjustmentId: `opening-${item.ProductID}`,
              reason: "correction",
              note: "Stock before its movements were recorded",
              by: SYSTEM_ACTOR,
              delta: stock,
              at: new Date().toISOString(),
            },
          ]
        : [];
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.inventory,
          Key: { [INVENTORY_TABLE.partitionKey]: item.ProductID },
          UpdateExpression: "SET flushed = :zero, #log = :opening",
          ConditionExpression: "attribute_not_exists(flushed) AND stock = :stock",
          ExpressionAttributeNames: { "#log": "log" },
          ExpressionAttributeValues: { ":zero": 0, ":opening": opening, ":stock": stock },
        }),
      );
    } catch (error) {
      // Opened meanwhile by another writer, or its stock changed: the caller reads it again.
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
    return true;
  }

  /**
   * Copies the oldest entries of a consistent read of the item's log to the movements table, then
   * removes them from the item, conditional on `flushed` as read: a flush that lost to another
   * removes nothing (the movements it wrote are the same ones, by the same keys).
   */
  async flush(item: LedgerItem): Promise<void> {
    const moving = numberedLog(item).slice(0, FLUSH_BATCH);
    if (moving.length === 0) return;
    for (let start = 0; start < moving.length; start += BATCH_WRITE_LIMIT) {
      let requests: Record<string, unknown>[] | undefined = moving
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((movement) => ({ PutRequest: { Item: movement } }));
      for (let round = 0; requests && requests.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tables.movements]: requests } }),
        );
        requests = result.UnprocessedItems?.[this.tables.movements] as Record<string, unknown>[] | undefined;
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.inventory,
          Key: { [INVENTORY_TABLE.partitionKey]: item.ProductID },
          // Highest index first: DynamoDB removes the named elements of the list as it was, and a
          // remover that takes them one by one (dynalite) then removes the same ones.
          UpdateExpression: `SET flushed = :after REMOVE ${moving.map((_, i) => `#log[${moving.length - 1 - i}]`).join(", ")}`,
          ConditionExpression: "flushed = :before",
          ExpressionAttributeNames: { "#log": "log" },
          ExpressionAttributeValues: {
            ":before": Number(item.flushed ?? 0),
            ":after": Number(item.flushed ?? 0) + moving.length,
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  /** A page of a product's movements, newest first: the item's log, then the movements table. */
  async page(item: LedgerItem, limit: number, cursor?: string): Promise<MovementPage | "bad-cursor"> {
    const productId = item.ProductID;
    const before = cursor === undefined ? undefined : decodeMovementCursor(cursor, productId);
    if (cursor !== undefined && before === undefined) return "bad-cursor";
    const below = before ?? Infinity;
    const logged = numberedLog(item)
      .filter((m) => m.seq < below)
      .reverse()
      .slice(0, limit);
    const flushed = Number(item.flushed ?? 0);
    const fromTable =
      logged.length < limit && flushed > 0
        ? await this.flushedPage(productId, Math.min(below, flushed + 1), limit - logged.length)
        : [];
    const movements = [...logged, ...fromTable];
    const last = movements.at(-1);
    return {
      movements,
      ...(movements.length === limit && last && last.seq > 1
        ? { next: encodeMovementCursor(productId, last.seq) }
        : {}),
    };
  }

  /**
   * A movement of the product by what it says (its order, its adjustment): in the item's log, else
   * among the newest copied to the table (a copy may have moved it there since it was written).
   */
  async find(item: LedgerItem, is: (movement: StockMovement) => boolean): Promise<StockMovement | undefined> {
    const logged = numberedLog(item).find(is);
    if (logged) return logged;
    const flushed = Number(item.flushed ?? 0);
    return flushed > 0
      ? (await this.flushedPage(item.ProductID, flushed + 1, FLUSH_BATCH)).find(is)
      : undefined;
  }

  /** Movements copied to the table, below `below`, newest first. */
  private async flushedPage(productId: string, below: number, limit: number): Promise<StockMovement[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.movements,
        KeyConditionExpression: "#product = :product AND #seq < :below",
        ExpressionAttributeNames: {
          "#product": STOCK_MOVEMENTS_TABLE.partitionKey,
          "#seq": STOCK_MOVEMENTS_TABLE.sortKey!.name,
        },
        ExpressionAttributeValues: { ":product": productId, ":below": below },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []) as StockMovement[];
  }
}

/** The threshold of an item, its own or the deployment's. */
export const itemThreshold = (item: LedgerItem, defaultThreshold: number) =>
  thresholdOf(
    item.lowStockThreshold === undefined ? undefined : Number(item.lowStockThreshold),
    defaultThreshold,
  );
