import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { BusinessError } from "../../platform/errors";
import type { Product } from "../product";
import { inventoryItemOf, toProduct, type InventoryItem } from "./inventory-item";
import type { OrderLine } from "../../orders/order-request";
import type { InventoryStore, ReleaseResult, ReserveResult, StockLine } from "../ports";
import { INVENTORY_TABLE, ORDERS_TABLE } from "../../platform/table-definitions";
import { documentClient } from "../../platform/dynamodb/document-client";
import { SEED_ACTOR, thresholdSetting, type LowStockAlerts, type MovementCause } from "../stock";
import {
  DynamoDbStockLedger,
  openingMovement,
  openingPut,
  plannedChange,
  raceBackoff,
  type StockTables,
  type TransactItem,
} from "./dynamodb-stock-ledger";

/** How often a change of stock that lost a race with another change reads again, before the caller retries. */
const STOCK_ATTEMPTS = 25;

/**
 * A new product's item and, when it has stock, its opening movement: one transaction, so the
 * product's movements add up from its creation.
 */
export function newProductWrites(
  tables: StockTables,
  product: Product,
  opening: Omit<Extract<MovementCause, { kind: "adjustment" }>, "kind" | "reason">,
  extra: Record<string, unknown> = {},
): TransactItem[] {
  const at = new Date().toISOString();
  return [
    {
      Put: {
        TableName: tables.inventory,
        Item: { ...inventoryItemOf(product), ...extra, movementCount: product.stock > 0 ? 1 : 0 },
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": INVENTORY_TABLE.partitionKey },
      },
    },
    ...(product.stock > 0
      ? [
          openingPut(
            tables.movements,
            openingMovement(
              product.productId,
              product.stock,
              { kind: "adjustment", reason: "received", ...opening },
              at,
            ),
          ),
        ]
      : []),
  ];
}

export interface StockSettings {
  /** The movements table; a function that does not change stock (ValidateOrder) has none. */
  readonly movementsTable?: string;
  readonly defaultThreshold?: number;
  readonly alerts?: LowStockAlerts;
}

export class DynamoDbInventoryStore implements InventoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly inventoryTableName: string,
    private readonly ordersTableName: string,
    private readonly stock: StockSettings = {},
  ) {}

  private ledger(): DynamoDbStockLedger {
    if (!this.stock.movementsTable) throw new Error("This store was not given the stock movements table");
    return new DynamoDbStockLedger(this.client, {
      inventory: this.inventoryTableName,
      movements: this.stock.movementsTable,
    });
  }

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    const items = await new DynamoDbStockLedger(this.client, {
      inventory: this.inventoryTableName,
      movements: "",
    }).items(productIds);
    return new Map([...items].map(([id, item]) => [id, toProduct(item)]));
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

  /** The order's marker item: its update is at index lines.length of the transaction. */
  private markerUpdate(
    orderId: string,
    marker: {
      readonly update: string;
      readonly condition: string;
      readonly names?: Record<string, string>;
      readonly values?: Record<string, unknown>;
    },
  ): TransactItem {
    return {
      Update: {
        TableName: this.ordersTableName,
        Key: { [ORDERS_TABLE.partitionKey]: orderId },
        UpdateExpression: marker.update,
        ConditionExpression: marker.condition,
        ...(marker.names ? { ExpressionAttributeNames: marker.names } : {}),
        ExpressionAttributeValues: { ":true": true, ...marker.values },
      },
    };
  }

  /**
   * The lines' products as the order's validation read them, when every line carries that read: a
   * first attempt conditional on it needs no read of its own. Undefined when a line does not.
   */
  private seenItems(lines: readonly StockLine[]): Map<string, InventoryItem> | undefined {
    if (!lines.every((line) => line.seen)) return undefined;
    return new Map(
      lines.map(({ productId, seen }) => [
        productId,
        {
          ProductID: productId,
          name: seen!.name,
          stock: seen!.stock,
          movementCount: seen!.movements,
          ...(seen!.threshold === undefined ? {} : { lowStockThreshold: seen!.threshold }),
        } as InventoryItem,
      ]),
    );
  }

  /**
   * One transaction: each line's stock change (conditional on the product's movement count as
   * read), the order's marker (at index lines.length) and each line's movement. The products are
   * those the order's validation read, if given, else read now; a line whose product changed since
   * refuses the transaction and it is planned again from a fresh read. `refused` answers the rest
   * (a short line, the marker), or asks for another attempt.
   */
  private async changeStock<Answer>(
    orderId: string,
    lines: readonly StockLine[],
    kind: "sale" | "release",
    marker: TransactItem,
    refused: (reasons: readonly (string | undefined)[]) => Promise<Answer | "retry">,
    done: Answer,
  ): Promise<Answer> {
    const ledger = this.ledger();
    const ids = lines.map((line) => line.productId);
    let guess = kind === "sale" ? this.seenItems(lines) : undefined;
    for (let attempt = 1; ; attempt++) {
      const items = guess ?? (await ledger.items(ids));
      const guessed = guess !== undefined;
      guess = undefined;
      if (!guessed && (await ledger.openLedgers(items.values()))) continue;
      const sign = kind === "sale" ? -1 : 1;
      const at = new Date().toISOString();
      const planned = lines.flatMap((line) => {
        const item = items.get(line.productId);
        const delta = sign * line.quantity;
        if (!item || Number(item.stock) + delta < 0) return [];
        return [
          plannedChange(ledger.tables, item, delta, { kind, orderId }, at, this.stock.defaultThreshold ?? 0),
        ];
      });
      // What the validation read is short: the stock may have come back since; read it.
      if (guessed && planned.length < lines.length) continue;
      try {
        if (planned.length < lines.length) throw new ShortLines();
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [...planned.map((p) => p.update), marker, ...planned.map((p) => p.put)],
          }),
        );
      } catch (error) {
        const reasons =
          error instanceof ShortLines
            ? lines.map((line) =>
                planned.some((p) => p.movement.productId === line.productId) ? undefined : "Short",
              )
            : error instanceof TransactionCanceledException
              ? (error.CancellationReasons ?? []).map((r) => r.Code)
              : undefined;
        if (!reasons) throw error;
        const answer = await refused(reasons);
        if (answer !== "retry") return answer;
        if (attempt >= STOCK_ATTEMPTS) throw error;
        if (!guessed) await raceBackoff(attempt);
        continue;
      }
      const low = planned.flatMap((p) => (p.lowStock ? [p.lowStock] : []));
      if (low.length > 0) await this.stock.alerts?.tell(low);
      return done;
    }
  }

  async reserveStock(orderId: string, lines: readonly StockLine[]): Promise<ReserveResult> {
    const marker = this.markerUpdate(orderId, {
      // The order marker: the decrement happens at most once per order, whatever the retries, and
      // never for an order cancelled meanwhile (its cancellation releases what was taken).
      update: "SET inventoryReserved = :true",
      condition:
        "attribute_exists(orderId) AND attribute_not_exists(inventoryReserved) AND #status <> :cancelled",
      names: { "#status": "status" },
      values: { ":cancelled": "CANCELLED" },
    });
    return this.changeStock<ReserveResult>(
      orderId,
      lines,
      "sale",
      marker,
      async (reasons) => {
        const markerRefused = reasons[lines.length] === "ConditionalCheckFailed";
        const short = lines.filter((_, i) => reasons[i] === "Short").map((l) => l.productId);
        if (!markerRefused && short.length === 0) return "retry"; // a product changed meanwhile
        // A replay (or a cancelled order) is answered as such even if the stock has run out since.
        const why = await this.whyNotReserved(orderId);
        if (why !== "not-reserved") return why;
        if (short.length > 0) {
          throw new BusinessError("OutOfStock", `Not enough stock left for ${short.join(", ")}.`);
        }
        return "retry";
      },
      "reserved",
    );
  }

  /** Why the marker could refuse: reserved before (a replay), or the order was cancelled (nothing taken). */
  private async whyNotReserved(orderId: string): Promise<ReserveResult | "not-reserved"> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.ordersTableName,
        Key: { [ORDERS_TABLE.partitionKey]: orderId },
        ProjectionExpression: "#status, inventoryReserved",
        ExpressionAttributeNames: { "#status": "status" },
        ConsistentRead: true,
      }),
    );
    if (Item?.inventoryReserved === true) return "already-reserved";
    return Item?.status === "CANCELLED" ? "order-cancelled" : "not-reserved";
  }

  async releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult> {
    // Only an order that holds a reservation gives stock back, and only once.
    const marker = this.markerUpdate(orderId, {
      update: "REMOVE inventoryReserved",
      condition: "inventoryReserved = :true",
    });
    return this.changeStock<ReleaseResult>(
      orderId,
      lines,
      "release",
      marker,
      async (reasons) => (reasons[lines.length] === "ConditionalCheckFailed" ? "nothing-reserved" : "retry"),
      "released",
    );
  }

  async seedProduct(product: Omit<Product, "active">): Promise<"created" | "exists"> {
    const ledger = this.ledger();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: newProductWrites(
            ledger.tables,
            { ...product, active: true },
            { adjustmentId: `seed-${product.productId}`, note: "The bundled catalogue", by: SEED_ACTOR },
          ),
        }),
      );
      return "created";
    } catch (error) {
      // The product exists (its put is the first write): its stock and movements are left alone.
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed"
      ) {
        return "exists";
      }
      throw error;
    }
  }
}

/** A line whose product is missing or short: refused before anything is sent. */
class ShortLines extends Error {}

/**
 * The inventory store also names the orders table (a reservation writes the order's marker) and,
 * in a function that changes stock, the movements table, the default threshold and the alerts.
 */
export function dynamoDbInventoryStore(
  config: {
    readonly inventoryTableName: string;
    readonly ordersTableName: string;
    readonly stockMovementsTableName?: string;
    readonly lowStockThreshold?: string;
  },
  alerts?: LowStockAlerts,
): DynamoDbInventoryStore {
  return new DynamoDbInventoryStore(documentClient(), config.inventoryTableName, config.ordersTableName, {
    movementsTable: config.stockMovementsTableName,
    defaultThreshold:
      config.lowStockThreshold === undefined ? undefined : thresholdSetting(config.lowStockThreshold),
    alerts,
  });
}
