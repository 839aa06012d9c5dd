/**
 * The catalogue as staff change it, on DynamoDB: each write is one transaction of the product's
 * write and the request's record in the idempotency-key table (`product#…`, expiring with the other
 * keys), so a change is made once and a retried request is answered with the product as the first
 * one left it. A change of an existing product is conditional on the version it read: two changes
 * at once never lose one another (the loser reads again); the stock is never written here.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClient, keyTtlSeconds } from "../../platform/dynamodb/document-client";
import { DEFAULT_KEY_TTL_SECONDS, expiringKeyPut } from "../../platform/dynamodb/expiring-keys";
import { randomUUID } from "node:crypto";
import { INVENTORY_TABLE, ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import type { AdjustmentWrite, Catalogue, CatalogueRequest, CatalogueWrite, ProductChanges } from "../ports";
import type { Product } from "../product";
import { thresholdSetting, type LowStockAlerts, type StockAdjustment, type StockMovement } from "../stock";
import { newProductWrites } from "./dynamodb-inventory-store";
import { DynamoDbStockLedger, lostRace, plannedChange, raceBackoff } from "./dynamodb-stock-ledger";
import { toProduct, type InventoryItem } from "./inventory-item";

/** How often an adjustment that lost a race with an order (or another adjustment) reads again. */
const STOCK_ATTEMPTS = 25;

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
              this.ledger.tables,
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
      const item = await this.item(productId);
      if (!item) return { kind: "not-found" };
      if (await this.ledger.openLedgers([item])) continue;
      if (Number(item.stock) + adjustment.delta < 0)
        return { kind: "would-go-negative", stock: Number(item.stock) };
      const change = plannedChange(
        this.ledger.tables,
        item,
        adjustment.delta,
        { kind: "adjustment", adjustmentId, ...adjustment, by },
        new Date().toISOString(),
        this.stock.defaultThreshold,
      );
      const answer = {
        movement: change.movement,
        product: { ...toProduct(item), stock: change.movement.stockAfter },
      };
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [this.keyPut(request, answer), change.update, change.put],
          }),
        );
      } catch (error) {
        // An order or another adjustment changed the stock first (or this request's retry recorded
        // it): read what won, and either answer the retry or plan again from the stock as it is now.
        if (!lostRace(error, [0, 1, 2]) || attempt >= STOCK_ATTEMPTS) throw error;
        await raceBackoff(attempt);
        continue;
      }
      if (change.lowStock) await this.stock.alerts?.tell([change.lowStock]);
      return { kind: "done", ...answer };
    }
  }

  async movements(productId: string, limit: number, cursor?: string) {
    const item = await this.item(productId);
    if (!item) return undefined;
    // A product kept from before its movements were recorded starts with its stock as it stands.
    await this.ledger.openLedgers([item]);
    return this.ledger.page(productId, limit, cursor);
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
