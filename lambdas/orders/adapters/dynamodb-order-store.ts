import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { BusinessError, paymentAlreadySettled } from "../../platform/errors";
import { ORDER_ATTRIBUTES, type OrderRecord, type OrderStatus } from "../order";
import type { OrderListPosition } from "../order-cursor";
import type { ChargeRecord } from "../order";
import type { CreateOrderResult, OrderPage, OrderStore, PricedOrder } from "../ports";
import { ORDERS_BY_CUSTOMER_INDEX, ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import { DEFAULT_KEY_TTL_SECONDS, expiringKeyPut } from "../../platform/dynamodb/expiring-keys";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { DynamoDbConfirmationStore, now, statusGuard } from "./dynamodb-confirmation-store";
import { documentClient, keyTtlSeconds } from "../../platform/dynamodb/document-client";

/** Every order operation: the confirmation step's, and placing, paying and refunding. */
export class DynamoDbOrderStore extends DynamoDbConfirmationStore implements OrderStore {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    /** Only the function that creates orders names the idempotency-key table. */
    private readonly keysTableName?: string,
    /** How long a key names its order (idempotency_key_ttl_hours); after that it may be used again. */
    private readonly keyTtlSeconds: number = DEFAULT_KEY_TTL_SECONDS,
  ) {
    super(client, tableName);
  }

  async createPending(order: OrderRecord, keyHash: string): Promise<CreateOrderResult> {
    if (!this.keysTableName) throw new Error("This order store was built without the order-keys table.");
    const keyAttribute = ORDER_KEYS_TABLE.partitionKey;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            expiringKeyPut(
              this.keysTableName,
              keyHash,
              { orderId: order.orderId, createdAt: order.createdAt },
              this.keyTtlSeconds,
            ),
            {
              Put: {
                TableName: this.tableName,
                Item: order,
                ConditionExpression: "attribute_not_exists(orderId)",
              },
            },
          ],
        }),
      );
      return { created: true };
    } catch (error) {
      const keyTaken =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed";
      if (!keyTaken) throw error;
      const record = await this.client.send(
        new GetCommand({
          TableName: this.keysTableName,
          Key: { [keyAttribute]: keyHash },
          ConsistentRead: true,
        }),
      );
      const existing = record.Item ? await this.get(String(record.Item.orderId)) : undefined;
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async requeue(orderId: string, now: string, staleBefore: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: "SET requeuedAt = :now",
          ConditionExpression:
            "#status = :pending AND createdAt < :stale AND (attribute_not_exists(requeuedAt) OR requeuedAt < :stale)",
          ExpressionAttributeNames: { "#status": ORDER_ATTRIBUTES.status },
          ExpressionAttributeValues: { ":now": now, ":stale": staleBefore, ":pending": "PENDING" },
        }),
      ),
    );
  }

  async listByCustomer(customerId: string, limit: number, after?: OrderListPosition): Promise<OrderPage> {
    const index = ORDERS_BY_CUSTOMER_INDEX;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: "#customer = :customer",
        ExpressionAttributeNames: { "#customer": index.partitionKey },
        ExpressionAttributeValues: { ":customer": customerId },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: after
          ? { orderId: after.orderId, customerId: after.customerId, createdAt: after.createdAt }
          : undefined,
      }),
    );
    const last = result.LastEvaluatedKey;
    return {
      orders: (result.Items ?? []) as OrderRecord[],
      next: last
        ? {
            orderId: String(last.orderId),
            customerId: String(last.customerId),
            createdAt: String(last.createdAt),
          }
        : undefined,
    };
  }

  async startPayment(orderId: string, priced: PricedOrder): Promise<{ order: OrderRecord; attempt: number }> {
    const guard = statusGuard("PROCESSING");
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression:
            "SET #status = :processing, #lines = :lines, totalMinor = :total, currency = :currency, updatedAt = :now ADD paymentAttempts :one",
          ConditionExpression: guard.condition,
          ExpressionAttributeNames: { "#status": ORDER_ATTRIBUTES.status, "#lines": "lines" },
          ExpressionAttributeValues: {
            ...guard.values,
            ":lines": priced.lines,
            ":total": priced.totalMinor,
            ":currency": priced.currency,
            ":now": now(),
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const order = result.Attributes as OrderRecord;
      return { order, attempt: Number(order.paymentAttempts ?? 1) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(orderId);
      if (!existing) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);
      throw new BusinessError("OrderAlreadyFinished", `Order ${orderId} is already ${existing.status}.`);
    }
  }

  async recordCharge(orderId: string, charge: ChargeRecord): Promise<OrderStatus> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: "SET payment = :payment, updatedAt = :now",
          // The same charge may be recorded twice (two runs of one order); a refund is never undone.
          ConditionExpression:
            "attribute_not_exists(payment) OR (payment.chargeId = :chargeId AND payment.#status = :charged)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":payment": { status: "CHARGED", ...charge },
            ":chargeId": charge.chargeId,
            ":charged": "CHARGED",
            ":now": now(),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return (Attributes as OrderRecord).status;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw paymentAlreadySettled(orderId);
    }
  }

  async recordRefund(orderId: string, refundId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: "SET payment.#status = :refunded, payment.refundId = :refundId, updatedAt = :now",
        ConditionExpression: "attribute_exists(payment)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":refunded": "REFUNDED", ":refundId": refundId, ":now": now() },
      }),
    );
  }
}

export function dynamoDbOrderStore(config: {
  readonly ordersTableName: string;
  readonly orderKeysTableName?: string;
  readonly idempotencyKeyTtlHours?: string;
}): DynamoDbOrderStore {
  return new DynamoDbOrderStore(
    documentClient(),
    config.ordersTableName,
    config.orderKeysTableName,
    keyTtlSeconds(config.idempotencyKeyTtlHours),
  );
}
