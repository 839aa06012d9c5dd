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
import { INVENTORY_TABLE, ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import type { Catalogue, CatalogueRequest, CatalogueWrite, ProductChanges } from "../ports";
import type { Product } from "../product";
import { inventoryItemOf, toProduct, type InventoryItem } from "./dynamodb-inventory-store";

/** How often a change that lost a race with another change of the same product reads again. */
const UPDATE_ATTEMPTS = 5;

interface RequestRecord {
  readonly requestHash: string;
  readonly answer: Product;
  readonly expiresAt?: number;
}

export class DynamoDbCatalogue implements Catalogue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly keysTable: string,
    private readonly keyTtlSeconds: number = DEFAULT_KEY_TTL_SECONDS,
  ) {}

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
  private async earlier(request: CatalogueRequest): Promise<CatalogueWrite | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.keysTable,
        Key: { [ORDER_KEYS_TABLE.partitionKey]: request.keyHash },
        ConsistentRead: true,
      }),
    );
    const record = Item as RequestRecord | undefined;
    if (!record || Number(record.expiresAt ?? Infinity) < Date.now() / 1000) return undefined;
    return record.requestHash === request.requestHash
      ? { kind: "replayed", product: record.answer }
      : { kind: "key-reused" };
  }

  private keyPut(request: CatalogueRequest, answer: Product) {
    return expiringKeyPut(
      this.keysTable,
      request.keyHash,
      { requestHash: request.requestHash, answer },
      this.keyTtlSeconds,
    );
  }

  async create(product: Product, request: CatalogueRequest): Promise<CatalogueWrite> {
    const earlier = await this.earlier(request);
    if (earlier) return earlier;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.keyPut(request, product),
            {
              Put: {
                TableName: this.inventoryTable,
                Item: { ...inventoryItemOf(product), version: 1 },
                ConditionExpression: "attribute_not_exists(#id)",
                ExpressionAttributeNames: { "#id": INVENTORY_TABLE.partitionKey },
              },
            },
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
}

/** The catalogue as CatalogAdmin builds it. */
export function dynamoDbCatalogue(config: {
  readonly inventoryTableName: string;
  readonly orderKeysTableName: string;
  readonly idempotencyKeyTtlHours: string;
}): DynamoDbCatalogue {
  return new DynamoDbCatalogue(
    documentClient(),
    config.inventoryTableName,
    config.orderKeysTableName,
    keyTtlSeconds(config.idempotencyKeyTtlHours),
  );
}
