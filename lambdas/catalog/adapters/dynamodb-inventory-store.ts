/**
 * The workflow's side of the stock on DynamoDB: the products read for validation and the public
 * catalogue, an order's reservation (its sale movements) and its release, each one transaction with
 * the order's marker so that it happens at most once; and the deploy-time seed.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { BusinessError } from "../../platform/errors";
import type { Product } from "../product";
import { toProduct, type InventoryItem } from "./inventory-item";
import type { OrderLine } from "../../orders/order-request";
import type { InventoryStore, ReleaseResult, ReserveResult, StockLine } from "../ports";
import { ORDERS_TABLE } from "../../platform/table-definitions";
import { documentClient } from "../../platform/dynamodb/document-client";
import { SEED_ACTOR, thresholdSetting, type LowStock, type LowStockAlerts } from "../stock";
import {
  DynamoDbStockLedger,
  LOG_FLUSH_AT,
  LOG_MAX,
  STOCK_CHANGE_ATTEMPTS,
  bandOf,
  itemThreshold,
  newProductWrites,
  readInventoryItems,
  raceBackoff,
  stockUpdate,
  type Band,
  type LedgerItem,
  type TransactItem,
} from "./dynamodb-stock-ledger";

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
    const items = await readInventoryItems(this.client, this.inventoryTableName, productIds);
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
   * The lines' products as the order's validation read them, when every line carries that read:
   * enough to plan a sale without reading. Undefined when a line does not.
   */
  private seenItems(lines: readonly StockLine[]): Map<string, LedgerItem> | undefined {
    if (!lines.every((line) => line.seen)) return undefined;
    return new Map(
      lines.map(({ productId, seen }) => [
        productId,
        {
          ProductID: productId,
          name: seen!.name,
          priceMinor: 0,
          currency: "",
          stock: seen!.stock,
          flushed: 0,
          log: Array.from({ length: seen!.logSize }),
          ...(seen!.threshold === undefined ? {} : { lowStockThreshold: seen!.threshold }),
        } as LedgerItem,
      ]),
    );
  }

  /**
   * Products read now that cannot take a change as they are: opened (kept from before movements)
   * or flushed (a full log). True when any was, and the lines must be read again.
   */
  private async prepared(ledger: DynamoDbStockLedger, items: Map<string, LedgerItem>): Promise<boolean> {
    let changed = false;
    for (const item of items.values()) {
      if (await ledger.open(item)) changed = true;
      else if ((item.log?.length ?? 0) >= LOG_MAX - 1) {
        await ledger.flush(item);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * One transaction of each line's stock change (its movement appended to the product's log) and
   * the order's marker, at index lines.length. A sale plans each line from the products as the
   * validation read them, else as read now: the band of the stock it expects to meet decides its
   * condition, and whether it crosses the low-stock threshold. Only a line whose stock moved to
   * another band meanwhile refuses it: the lines are then read and planned again. `refused`
   * answers the rest (a short line, the marker), or asks for another attempt.
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
    const defaultThreshold = this.stock.defaultThreshold ?? 0;
    // A release needs nothing read: it only adds stock, and its condition is the product's ledger.
    let items = kind === "sale" ? this.seenItems(lines) : new Map<string, LedgerItem>();
    for (let attempt = 1; ; attempt++) {
      if (!items) {
        if (attempt > STOCK_CHANGE_ATTEMPTS)
          throw new Error(`The stock of order ${orderId} could not be changed`);
        items = await ledger.items(ids);
        if (await this.prepared(ledger, items)) {
          items = undefined;
          continue;
        }
      }
      const at = new Date().toISOString();
      const planned = lines.map((line) => {
        const item = items!.get(line.productId);
        if (kind === "release") {
          return {
            line,
            update: stockUpdate(ledger.tables.inventory, line.productId, {
              kind,
              orderId,
              delta: line.quantity,
              at,
            }),
          };
        }
        if (!item || Number(item.stock) < line.quantity) return { line, short: true };
        const threshold = itemThreshold(item, defaultThreshold);
        const band = bandOf(Number(item.stock), line.quantity, threshold);
        const entry = {
          kind,
          orderId,
          delta: -line.quantity,
          at,
          ...(band === "crossing" ? { lowStock: true } : {}),
        };
        return {
          line,
          item,
          band,
          update: stockUpdate(ledger.tables.inventory, line.productId, entry, { band, threshold }),
        };
      });
      const short = planned.some((p) => "short" in p);
      try {
        if (short) throw new ShortLines();
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [...planned.map((p) => p.update!), marker] }),
        );
      } catch (error) {
        const reasons =
          error instanceof ShortLines
            ? planned.map((p) => ("short" in p ? "Short" : undefined))
            : error instanceof TransactionCanceledException
              ? (error.CancellationReasons ?? []).map((r) => r.Code)
              : undefined;
        if (!reasons) throw error;
        const answer = await refused(reasons);
        if (answer !== "retry") return answer;
        if (attempt >= STOCK_CHANGE_ATTEMPTS) throw error;
        // Another band, a product to open or flush: read the lines' products as they are now.
        if (attempt > 2) await raceBackoff(attempt);
        items = undefined;
        continue;
      }
      await this.afterCommit(ledger, orderId, planned);
      return done;
    }
  }

  /**
   * After a committed sale: the operators are told of each line that crossed its threshold (the
   * product read once more for the exact stock its sale left), and a product whose log is due is
   * flushed. Neither changes what was committed; both are rare.
   */
  private async afterCommit(
    ledger: DynamoDbStockLedger,
    orderId: string,
    planned: readonly { line: StockLine; item?: LedgerItem; band?: Band }[],
  ): Promise<void> {
    // Of the orders that find a product's log long, about one in FLUSH_TURNS copies it out: orders
    // of one product arrive together, and each copy would otherwise be made by all of them.
    const due = planned.filter(
      (p) => p.band === "crossing" || ((p.item?.log?.length ?? 0) + 1 >= LOG_FLUSH_AT && flushTurn(orderId)),
    );
    if (due.length === 0) return;
    const now = await ledger.items(due.map((p) => p.line.productId));
    const low: LowStock[] = [];
    for (const { line, band } of due) {
      const item = now.get(line.productId);
      if (!item) continue;
      if (band === "crossing") {
        const movement = await ledger.find(item, (m) => m.kind === "sale" && m.orderId === orderId);
        if (movement) {
          const threshold = itemThreshold(item, this.stock.defaultThreshold ?? 0);
          low.push({
            productId: item.ProductID,
            name: item.name,
            stock: movement.stockAfter,
            threshold,
            movement,
          });
        }
      }
    }
    // Told before any copy: a copy that fails fails the step, whose retry finds the sale made.
    if (low.length > 0) await this.stock.alerts?.tell(low);
    for (const item of now.values()) {
      if ((item.log?.length ?? 0) >= LOG_FLUSH_AT) await ledger.flush(item);
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
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: newProductWrites(
            this.inventoryTableName,
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

/** How many of the orders that find a long log share the turn of copying it out, on average. */
const FLUSH_TURNS = 4;

/** Whether this order takes a turn at copying out a long log (its id is random: a fair share). */
const flushTurn = (orderId: string) => parseInt(orderId.slice(-4), 16) % FLUSH_TURNS === 0;

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
