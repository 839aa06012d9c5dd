/**
 * Returns on DynamoDB: an order's returns are one attribute of the order (`returns`), rewritten
 * whole by each change conditional on `returnsVersion` as read, so two changes of an order's
 * returns never both win. A receipt is one transaction: the order (its returns, RETURNED when every
 * unit is back, the refund's amount added to `refundedTotal`), the refund's request record, and each
 * restocked product's stock with its `return` movement (in the product's log, as every stock change).
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { OrderRecord } from "../../orders/order";
import { readOrder } from "../../orders/adapters/dynamodb-order-reads";
import { setAsideRequestPut } from "../../payments/adapters/dynamodb-refund-ledger";
import {
  DynamoDbStockLedger,
  LOG_MAX,
  STOCK_CHANGE_ATTEMPTS,
  raceBackoff,
  stockUpdate,
  type StockTables,
  type TransactItem,
} from "../../catalog/adapters/dynamodb-stock-ledger";
import { documentClient, keyTtlSeconds } from "../../platform/dynamodb/document-client";
import { DEFAULT_KEY_TTL_SECONDS } from "../../platform/dynamodb/expiring-keys";
import type { ReturnRecord, ReturnRejection } from "../../orders/order-returns";
import type { PlannedReceipt } from "../return";
import type { ReceiptRefund, ReturnStore, ReturnWrite } from "../ports";

export class DynamoDbReturns implements ReturnStore {
  private readonly ledger: DynamoDbStockLedger;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: StockTables & { readonly orders: string; readonly keys: string },
    private readonly keyTtlSeconds: number = DEFAULT_KEY_TTL_SECONDS,
  ) {
    this.ledger = new DynamoDbStockLedger(client, tables);
  }

  get(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.tables.orders, orderId);
  }

  /** The order's update of its returns, conditional on their version (and the status) as read. */
  private returnsUpdate(
    order: OrderRecord,
    returns: readonly ReturnRecord[],
    extra: {
      set?: string;
      add?: string;
      condition?: string;
      names?: Record<string, string>;
      values?: Record<string, unknown>;
    } = {},
  ): TransactItem {
    const version = order.returnsVersion ?? 0;
    return {
      Update: {
        TableName: this.tables.orders,
        Key: { orderId: order.orderId },
        UpdateExpression: [
          `SET #returns = :returns, returnsVersion = :next, updatedAt = :now${extra.set ? `, ${extra.set}` : ""}`,
          ...(extra.add ? [`ADD ${extra.add}`] : []),
        ].join(" "),
        ConditionExpression: [
          "#status = :shipped",
          version === 0 ? "attribute_not_exists(returnsVersion)" : "returnsVersion = :version",
          ...(extra.condition ? [extra.condition] : []),
        ].join(" AND "),
        ExpressionAttributeNames: { "#returns": "returns", "#status": "status", ...extra.names },
        ExpressionAttributeValues: {
          ":returns": returns,
          ":next": version + 1,
          ":now": new Date().toISOString(),
          ":shipped": "SHIPPED",
          ...(version === 0 ? {} : { ":version": version }),
          ...extra.values,
        },
      },
    };
  }

  /** Writes a transaction whose item at `orderIndex` is the order's: refused there means read again. */
  private async write(orderId: string, items: TransactItem[], orderIndex: number): Promise<ReturnWrite> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (reasons[orderIndex] === "ConditionalCheckFailed" || reasons.includes("TransactionConflict")) {
        return { kind: "changed" };
      }
      throw error;
    }
    return { kind: "written", order: (await this.get(orderId))! };
  }

  request(order: OrderRecord, requested: ReturnRecord): Promise<ReturnWrite> {
    return this.write(order.orderId, [this.returnsUpdate(order, [...(order.returns ?? []), requested])], 0);
  }

  reject(order: OrderRecord, returnId: string, rejection: ReturnRejection): Promise<ReturnWrite> {
    const returns = (order.returns ?? []).map((r) =>
      r.returnId === returnId ? { ...r, status: "REJECTED" as const, rejection } : r,
    );
    return this.write(order.orderId, [this.returnsUpdate(order, returns)], 0);
  }

  async receive(
    order: OrderRecord,
    planned: PlannedReceipt,
    refund: ReceiptRefund | undefined,
  ): Promise<ReturnWrite> {
    const returns = (order.returns ?? []).map((r) =>
      r.returnId === planned.returned.returnId ? planned.returned : r,
    );
    const refundMinor = planned.receipt.refundMinor;
    // The refund this receipt sets aside (none when nothing is left to refund).
    const setAside = refundMinor > 0 ? refund : undefined;
    const orderUpdate = this.returnsUpdate(order, returns, {
      ...(planned.orderReturned ? { set: "#status = :returned" } : {}),
      ...(setAside
        ? {
            add: "refundedTotal :refund",
            // Never more than was charged, whatever other refunds are set aside meanwhile.
            condition:
              "payment.#ps IN (:charged, :partial) AND (attribute_not_exists(refundedTotal) OR refundedTotal <= :most)",
            names: { "#ps": "status" },
          }
        : {}),
      values: {
        ...(planned.orderReturned ? { ":returned": "RETURNED" } : {}),
        ...(setAside
          ? {
              ":refund": refundMinor,
              ":charged": "CHARGED",
              ":partial": "PARTIALLY_REFUNDED",
              ":most": (order.payment?.amountMinor ?? 0) - refundMinor,
            }
          : {}),
      },
    });
    const orderAndRefund = [
      orderUpdate,
      ...(setAside
        ? [
            setAsideRequestPut(
              this.tables.keys,
              order.orderId,
              setAside.requestKey,
              setAside.asked,
              this.keyTtlSeconds,
            ),
          ]
        : []),
    ];
    const restocked = planned.receipt.items.filter((line) => line.restock && line.quantity > 0);
    for (let attempt = 1; ; attempt++) {
      const stock = restocked.map((line) =>
        stockUpdate(this.tables.inventory, line.productId, {
          kind: "return",
          orderId: order.orderId,
          returnId: planned.returned.returnId,
          delta: line.quantity,
          at: planned.receipt.at,
        }),
      );
      try {
        return await this.write(order.orderId, [...orderAndRefund, ...stock], 0);
      } catch (error) {
        const reasons =
          error instanceof TransactionCanceledException
            ? (error.CancellationReasons ?? []).map((r) => r.Code)
            : [];
        const refusedStock = reasons.slice(orderAndRefund.length).some((r) => r === "ConditionalCheckFailed");
        if (!refusedStock || attempt >= STOCK_CHANGE_ATTEMPTS) throw error;
        // A product kept from before movements, or whose log is full: open or copy it, then retry.
        await this.prepare(restocked.map((line) => line.productId));
        await raceBackoff(attempt);
      }
    }
  }

  private async prepare(productIds: readonly string[]): Promise<void> {
    const items = await this.ledger.items(productIds);
    for (const productId of productIds) {
      const item = items.get(productId);
      if (!item)
        throw new Error(`Product ${productId} does not exist: its returned units cannot be restocked.`);
      if (!(await this.ledger.open(item)) && (item.log?.length ?? 0) >= LOG_MAX - 1)
        await this.ledger.flush(item);
    }
  }
}

export function dynamoDbReturns(config: {
  readonly ordersTableName: string;
  readonly orderKeysTableName: string;
  readonly inventoryTableName: string;
  readonly stockMovementsTableName: string;
  readonly idempotencyKeyTtlHours: string;
}): DynamoDbReturns {
  return new DynamoDbReturns(
    documentClient(),
    {
      orders: config.ordersTableName,
      keys: config.orderKeysTableName,
      inventory: config.inventoryTableName,
      movements: config.stockMovementsTableName,
    },
    keyTtlSeconds(config.idempotencyKeyTtlHours),
  );
}
