import { IdempotentParameterMismatchException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  GetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { BusinessError } from "../../platform/errors";
import type { Product } from "../product";
import type { OrderLine } from "../../orders/order-request";
import type { InventoryStore, ReleaseResult, ReserveResult } from "../ports";
import { INVENTORY_TABLE, ORDERS_TABLE } from "../../platform/table-definitions";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { documentClient } from "../../platform/dynamodb/document-client";

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_LIMIT = 100;

/** A product as InventoryTable keeps it. */
export interface InventoryItem {
  readonly ProductID: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly stock: number;
  /** Absent on products written before staff could take one off sale: on sale. */
  readonly active?: boolean;
  /** Bumped by every staff change (absent until the first): what a change is conditional on. */
  readonly version?: number;
}

export const toProduct = (item: InventoryItem): Product => ({
  productId: item.ProductID,
  name: item.name,
  priceMinor: Number(item.priceMinor),
  currency: item.currency,
  stock: Number(item.stock),
  active: item.active !== false,
});

/** A product as InventoryTable keeps it (staff changes add a version). */
export const inventoryItemOf = (product: Product): InventoryItem => ({
  ProductID: product.productId,
  name: product.name,
  priceMinor: product.priceMinor,
  currency: product.currency,
  stock: product.stock,
  active: product.active,
});

export class DynamoDbInventoryStore implements InventoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly inventoryTableName: string,
    private readonly ordersTableName: string,
  ) {}

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    const products = new Map<string, Product>();
    for (let start = 0; start < productIds.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = productIds
        .slice(start, start + BATCH_GET_LIMIT)
        .map((id) => ({ [INVENTORY_TABLE.partitionKey]: id }));
      // Unprocessed keys are retried until DynamoDB has answered for all of them.
      for (let round = 0; keys && keys.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.inventoryTableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.inventoryTableName] ?? []) {
          const product = toProduct(item as InventoryItem);
          products.set(product.productId, product);
        }
        keys = result.UnprocessedKeys?.[this.inventoryTableName]?.Keys;
      }
    }
    return products;
  }

  async listProducts(): Promise<Product[]> {
    const products: Product[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.inventoryTableName, ExclusiveStartKey: startKey }),
      );
      products.push(...(page.Items ?? []).map((item) => toProduct(item as InventoryItem)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return products.sort((a, b) => a.productId.localeCompare(b.productId));
  }

  /**
   * One transaction over every order line plus the order's marker item, so stock and marker change
   * together or not at all. The marker is the last item: its cancellation reason is at lines.length.
   */
  private stockTransaction(
    orderId: string,
    lines: readonly OrderLine[],
    stock: { readonly update: string; readonly condition: string },
    marker: {
      readonly update: string;
      readonly condition: string;
      readonly names?: Record<string, string>;
      readonly values?: Record<string, unknown>;
    },
    clientRequestToken?: string,
  ): TransactWriteCommand {
    return new TransactWriteCommand({
      ClientRequestToken: clientRequestToken,
      TransactItems: [
        ...lines.map((line) => ({
          Update: {
            TableName: this.inventoryTableName,
            Key: { [INVENTORY_TABLE.partitionKey]: line.productId },
            UpdateExpression: stock.update,
            ConditionExpression: stock.condition,
            ExpressionAttributeValues: { ":qty": line.quantity },
          },
        })),
        {
          Update: {
            TableName: this.ordersTableName,
            Key: { [ORDERS_TABLE.partitionKey]: orderId },
            UpdateExpression: marker.update,
            ConditionExpression: marker.condition,
            ...(marker.names ? { ExpressionAttributeNames: marker.names } : {}),
            ExpressionAttributeValues: { ":true": true, ...marker.values },
          },
        },
      ],
    });
  }

  async reserveStock(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult> {
    try {
      await this.client.send(
        this.stockTransaction(
          orderId,
          lines,
          { update: "SET stock = stock - :qty", condition: "attribute_exists(ProductID) AND stock >= :qty" },
          // The order marker: the decrement happens at most once per order, whatever the retries,
          // and never for an order cancelled meanwhile (its cancellation releases what was taken).
          {
            update: "SET inventoryReserved = :true",
            condition:
              "attribute_exists(orderId) AND attribute_not_exists(inventoryReserved) AND #status <> :cancelled",
            names: { "#status": "status" },
            values: { ":cancelled": "CANCELLED" },
          },
          // Same token for a replay within DynamoDB's 10-minute window: the replay is a no-op.
          orderId,
        ),
      );
      return "reserved";
    } catch (error) {
      // The token already committed a transaction for this order (with other items): it is reserved.
      if (error instanceof IdempotentParameterMismatchException) return "already-reserved";
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[lines.length]?.Code === "ConditionalCheckFailed") return this.whyNotReserved(orderId);
      const short = lines
        .filter((_, i) => reasons[i]?.Code === "ConditionalCheckFailed")
        .map((l) => l.productId);
      if (short.length > 0) {
        throw new BusinessError("OutOfStock", `Not enough stock left for ${short.join(", ")}.`);
      }
      // Conflicts and throttling cancel a transaction too: those are transient, let the workflow retry.
      throw error;
    }
  }

  /** The marker refused: reserved before (a replay), or the order was cancelled (nothing taken). */
  private async whyNotReserved(orderId: string): Promise<ReserveResult> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.ordersTableName,
        Key: { [ORDERS_TABLE.partitionKey]: orderId },
        ProjectionExpression: "#status, inventoryReserved",
        ExpressionAttributeNames: { "#status": "status" },
        ConsistentRead: true,
      }),
    );
    return Item?.inventoryReserved !== true && Item?.status === "CANCELLED"
      ? "order-cancelled"
      : "already-reserved";
  }

  async releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult> {
    try {
      await this.client.send(
        this.stockTransaction(
          orderId,
          lines,
          { update: "SET stock = stock + :qty", condition: "attribute_exists(ProductID)" },
          // Only an order that holds a reservation gives stock back, and only once.
          { update: "REMOVE inventoryReserved", condition: "inventoryReserved = :true" },
        ),
      );
      return "released";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[lines.length]?.Code === "ConditionalCheckFailed") return "nothing-reserved";
      throw error;
    }
  }

  async seedProduct(product: Omit<Product, "active">): Promise<"created" | "exists"> {
    const created = await conditionalWrite(() =>
      this.client.send(
        new PutCommand({
          TableName: this.inventoryTableName,
          Item: inventoryItemOf({ ...product, active: true }),
          ConditionExpression: "attribute_not_exists(ProductID)",
        }),
      ),
    );
    return created ? "created" : "exists";
  }
}

/** The inventory store also names the orders table: a reservation writes the order's marker. */
export function dynamoDbInventoryStore(config: {
  readonly inventoryTableName: string;
  readonly ordersTableName: string;
}): DynamoDbInventoryStore {
  return new DynamoDbInventoryStore(documentClient(), config.inventoryTableName, config.ordersTableName);
}
