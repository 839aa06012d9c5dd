/**
 * The catalogue as staff change it, on DynamoDB: each write is one transaction of the product's
 * write and the request's record in the idempotency-key table (`product#…`, expiring with the other
 * keys), so a change is made once and a retried request is answered with the product as the first
 * one left it. A change of an existing product is conditional on the version it read: two changes
 * at once never lose one another (the loser reads again). A stock adjustment is conditional on the
 * product's stock and ledger exactly as read, so its answer says its number and the stock it left;
 * a name, price or sale-status change never touches the stock.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClient, keyTtlSeconds } from "../../platform/dynamodb/document-client";
import { DEFAULT_KEY_TTL_SECONDS, expiringKeyPut } from "../../platform/dynamodb/expiring-keys";
import { randomUUID } from "node:crypto";
import { INVENTORY_TABLE, ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import type { AdjustmentWrite, Catalogue, CatalogueRequest, CatalogueWrite, ProductChanges } from "../ports";
import type { Product } from "../product";
import {
  crossesLowStock,
  thresholdSetting,
  type LowStockAlerts,
  type StockAdjustment,
  type StockMovement,
} from "../stock";
import {
  DynamoDbStockLedger,
  LOG_FLUSH_AT,
  STOCK_CHANGE_ATTEMPTS,
  itemThreshold,
  lostRace,
  newProductWrites,
  raceBackoff,
  stockUpdate,
} from "./dynamodb-stock-ledger";
import { toProduct, type InventoryItem } from "./inventory-item";

/** How often a change that lost a race with another change of the same product reads again. */
const UPDATE_ATTEMPTS = 5;

interface RequestRecord<Answer> {
  readonly requestHash: string;
  readonly answer: Answer;
  readonly expiresAt?: number;
}

/** What an adjustment's record answers a retry with. */
interface AdjustmentAnswer {
  readonly movement: StockMovement;
  readonly product: Product;
}

export interface CatalogueTables {
  readonly inventory: string;
  readonly movements: string;
  readonly keys: string;
}

export class DynamoDbCatalogue implements Catalogue {
  private readonly ledger: DynamoDbStockLedger;
  private readonly inventoryTable: string;
  private readonly keysTable: string;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    tables: CatalogueTables,
    private readonly stock: { readonly defaultThreshold: number; readonly alerts?: LowStockAlerts },
    private readonly keyTtlSeconds: number = DEFAULT_KEY_TTL_SECONDS,
  ) {
    this.inventoryTable = tables.inventory;
    this.keysTable = tables.keys;
    this.ledger = new DynamoDbStockLedger(client, {
      inventory: tables.inventory,
      movements: tables.movements,
    });
  }

  private async item(productId: string): Promise<InventoryItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.inventoryTable,
        Key: { [INVENTORY_TABLE.partitionKey]: productId },
        ConsistentRead: true,
      }),
    );
    return Item as InventoryItem | undefined;
  }

  async get(productId: string): Promise<Product | undefined> {
    const item = await this.item(productId);
    return item && toProduct(item);
  }

  /** The request's record while its key is taken (absent once it expired). */
  private async record<Answer>(
    request: CatalogueRequest,
  ): Promise<{ kind: "replayed"; answer: Answer } | { kind: "key-reused" } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.keysTable,
        Key: { [ORDER_KEYS_TABLE.partitionKey]: request.keyHash },
        ConsistentRead: true,
      }),
    );
    const record = Item as RequestRecord<Answer> | undefined;
    if (!record || Number(record.expiresAt ?? Infinity) < Date.now() / 1000) return undefined;
    return record.requestHash === request.requestHash
      ? { kind: "replayed", answer: record.answer }
      : { kind: "key-reused" };
  }

  private async earlier(request: CatalogueRequest): Promise<CatalogueWrite | undefined> {
    const record = await this.record<Product>(request);
    return record?.kind === "replayed" ? { kind: "replayed", product: record.answer } : record;
  }

  private keyPut(request: CatalogueRequest, answer: Product | AdjustmentAnswer) {
    return expiringKeyPut(
      this.keysTable,
      request.keyHash,
      { requestHash: request.requestHash, answer },
      this.keyTtlSeconds,
    );
  }

  async create(product: Product, request: CatalogueRequest, by: string): Promise<CatalogueWrite> {
    const earlier = await this.earlier(request);
    if (earlier) return earlier;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.keyPut(request, product),
            ...newProductWrites(
              this.inventoryTable,
              product,
              { adjustmentId: randomUUID(), note: "Stock at the product's creation", by },
              { version: 1 },
            ),
          ],
        }),
      );
      return { kind: "done", product };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Either the same request won the race (its record answers), or the product exists.
      return (await this.earlier(request)) ?? { kind: "exists" };
    }
  }

  async update(
    productId: string,
    changes: ProductChanges,
    request: CatalogueRequest,
  ): Promise<CatalogueWrite> {
    for (let attempt = 1; ; attempt++) {
      const earlier = await this.earlier(request);
      if (earlier) return earlier;
      const item = await this.item(productId);
      if (!item) return { kind: "not-found" };
      const version = Number(item.version ?? 0);
      const after: Product = { ...toProduct(item), ...changes };
      const set = Object.keys(changes).map((field) => `#${field} = :${field}`);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.keyPut(request, after),
              {
                Update: {
                  TableName: this.inventoryTable,
                  Key: { [INVENTORY_TABLE.partitionKey]: productId },
                  UpdateExpression: `SET ${[...set, "version = :next"].join(", ")}`,
                  // The version read above: a change made meanwhile is never overwritten unseen.
                  ConditionExpression:
                    version === 0
                      ? "attribute_exists(#id) AND attribute_not_exists(version)"
                      : "attribute_exists(#id) AND version = :read",
                  ExpressionAttributeNames: {
                    "#id": INVENTORY_TABLE.partitionKey,
                    ...Object.fromEntries(Object.keys(changes).map((field) => [`#${field}`, field])),
                  },
                  ExpressionAttributeValues: {
                    ...Object.fromEntries(
                      Object.entries(changes).map(([field, value]) => [`:${field}`, value]),
                    ),
                    ":next": version + 1,
                    ...(version === 0 ? {} : { ":read": version }),
                  },
                },
              },
            ],
          }),
        );
        return { kind: "done", product: after };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= UPDATE_ATTEMPTS) throw error;
        // Another change of this product (or this request's retry) came first: read what won.
      }
    }
  }

  /**
   * The product read now, ready for a change: opened when kept from before movements, its log
   * flushed when due (read again after either).
   */
  private async ready(productId: string): Promise<InventoryItem | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > STOCK_CHANGE_ATTEMPTS) throw new Error(`Product ${productId} could not be prepared`);
      const item = await this.item(productId);
      if (!item) return undefined;
      if (await this.ledger.open(item)) continue;
      if ((item.log?.length ?? 0) < LOG_FLUSH_AT) return item;
      await this.ledger.flush(item);
    }
  }

  async adjust(
    productId: string,
    adjustment: StockAdjustment,
    by: string,
    request: CatalogueRequest,
  ): Promise<AdjustmentWrite> {
    const adjustmentId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const earlier = await this.record<AdjustmentAnswer>(request);
      if (earlier?.kind === "replayed") return { kind: "replayed", ...earlier.answer };
      if (earlier) return earlier;
      const item = await this.ready(productId);
      if (!item) return { kind: "not-found" };
      const stock = Number(item.stock);
      const after = stock + adjustment.delta;
      if (after < 0) return { kind: "would-go-negative", stock };
      const threshold = itemThreshold(item, this.stock.defaultThreshold);
      const low = crossesLowStock(stock, after, threshold);
      const entry = {
        kind: "adjustment" as const,
        adjustmentId,
        ...adjustment,
        by,
        delta: adjustment.delta,
        at: new Date().toISOString(),
        ...(low ? { lowStock: true } : {}),
      };
      const logSize = item.log?.length ?? 0;
      // Conditional on the product exactly as read: the answer says the adjustment's number and
      // the stock it left, which a sale or another adjustment meanwhile would change.
      const movement: StockMovement = {
        ...entry,
        productId,
        seq: Number(item.flushed ?? 0) + logSize + 1,
        stockAfter: after,
      };
      const answer = { movement, product: { ...toProduct(item), stock: after } };
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.keyPut(request, answer),
              stockUpdate(this.inventoryTable, productId, entry, {
                flushed: Number(item.flushed ?? 0),
                logSize,
                stock,
              }),
            ],
          }),
        );
      } catch (error) {
        // An order or another adjustment changed the stock first (or this request's retry recorded
        // it): read what won, and either answer the retry or plan again from the stock as it is now.
        if (!lostRace(error, [0, 1]) || attempt >= STOCK_CHANGE_ATTEMPTS) throw error;
        await raceBackoff(attempt);
        continue;
      }
      if (low) {
        await this.stock.alerts?.tell([{ productId, name: item.name, stock: after, threshold, movement }]);
      }
      return { kind: "done", ...answer };
    }
  }

  async movements(productId: string, limit: number, cursor?: string) {
    const item = await this.ready(productId);
    return item && this.ledger.page(item, limit, cursor);
  }
}

/** The catalogue as CatalogAdmin builds it. */
export function dynamoDbCatalogue(
  config: {
    readonly inventoryTableName: string;
    readonly stockMovementsTableName: string;
    readonly orderKeysTableName: string;
    readonly idempotencyKeyTtlHours: string;
    readonly lowStockThreshold: string;
  },
  alerts?: LowStockAlerts,
): DynamoDbCatalogue {
  return new DynamoDbCatalogue(
    documentClient(),
    {
      inventory: config.inventoryTableName,
      movements: config.stockMovementsTableName,
      keys: config.orderKeysTableName,
    },
    { defaultThreshold: thresholdSetting(config.lowStockThreshold), alerts },
    keyTtlSeconds(config.idempotencyKeyTtlHours),
  );
}
