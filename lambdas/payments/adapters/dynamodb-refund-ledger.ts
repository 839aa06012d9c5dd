/**
 * Staff refunds on DynamoDB: each request has a record in the idempotency-key table
 * (`refund#<orderId>#<requestKey>`, expiring with the other keys), written in one transaction with
 * the amount set aside on the order (`refundedTotal`, conditional on what is left to refund), so
 * concurrent requests can never refund more than was charged, and a retried one finds its record.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { OrderRecord, OrderStatus, RefundEntry } from "../../orders/order";
import type { RefundAsked, RefundLedger, RefundReservation } from "../ports";
import { ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import { DEFAULT_KEY_TTL_SECONDS, expiringKeyPut } from "../../platform/dynamodb/expiring-keys";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { readOrder } from "../../orders/adapters/dynamodb-order-reads";
import { documentClient, keyTtlSeconds } from "../../platform/dynamodb/document-client";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The record of one refund request, as the key table keeps it. */
interface RefundRequestRecord extends RefundAsked {
  readonly orderId: string;
  readonly status: "PENDING" | "DONE";
  readonly refundId?: string;
  readonly expiresAt?: number;
}

const requestRecordKey = (orderId: string, requestKey: string) => `refund#${orderId}#${requestKey}`;

/**
 * The request record of a refund set aside by another write of the order (a return's receipt adds
 * its amount to `refundedTotal` in the same transaction): `reserve` with the same request then
 * finds it, and the refund is made and completed as any other.
 */
export function setAsideRequestPut(
  keysTable: string,
  orderId: string,
  requestKey: string,
  asked: RefundAsked,
  ttlSeconds: number,
): TransactItem {
  return expiringKeyPut(
    keysTable,
    requestRecordKey(orderId, requestKey),
    { orderId, ...asked, status: "PENDING" },
    ttlSeconds,
  );
}

/** How often a reservation that lost a race is tried again (each time reading what won). */
const RESERVE_ATTEMPTS = 3;

const REFUNDABLE_PAYMENTS = ["CHARGED", "PARTIALLY_REFUNDED"] as const;
/** Staff refund a confirmed order, before or after it ships, and after it was returned. */
export const STAFF_REFUNDABLE_STATUSES: readonly OrderStatus[] = ["CONFIRMED", "SHIPPED", "RETURNED"];

export class DynamoDbRefundLedger implements RefundLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly ordersTable: string,
    private readonly keysTable: string,
    private readonly keyTtlSeconds: number = DEFAULT_KEY_TTL_SECONDS,
  ) {}

  private keyOf(orderId: string, requestKey: string): string {
    return requestRecordKey(orderId, requestKey);
  }

  private keyItem(orderId: string, requestKey: string): Record<string, string> {
    return { [ORDER_KEYS_TABLE.partitionKey]: this.keyOf(orderId, requestKey) };
  }

  private async order(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.ordersTable, orderId);
  }

  private async request(orderId: string, requestKey: string): Promise<RefundRequestRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.keysTable,
        Key: this.keyItem(orderId, requestKey),
        ConsistentRead: true,
      }),
    );
    return Item as RefundRequestRecord | undefined;
  }

  async reserve(
    orderId: string,
    requestKey: string,
    asked: RefundAsked,
    orderStatuses: readonly OrderStatus[] = STAFF_REFUNDABLE_STATUSES,
    attempt = 1,
  ): Promise<RefundReservation> {
    // The request's record first, then the order: a refund completed in between is on the order read
    // after its record (both are one transaction), so a replay describes the refund it names.
    const earlier = await this.request(orderId, requestKey);
    const order = await this.order(orderId);
    if (earlier && Number(earlier.expiresAt ?? Infinity) >= Date.now() / 1000) {
      return this.replayOf(earlier, asked, order);
    }
    const payment = order?.payment;
    const refundable =
      order !== undefined &&
      orderStatuses.includes(order.status) &&
      payment &&
      (REFUNDABLE_PAYMENTS as readonly string[]).includes(payment.status);
    if (!order || !payment || !refundable) return { kind: "not-refundable", order };
    const left = payment.amountMinor - (order.refundedTotal ?? 0);
    if (asked.amountMinor > left) return { kind: "exceeds", refundableMinor: left };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            expiringKeyPut(
              this.keysTable,
              this.keyOf(orderId, requestKey),
              { orderId, ...asked, status: "PENDING" },
              this.keyTtlSeconds,
            ),
            {
              Update: {
                TableName: this.ordersTable,
                Key: { orderId },
                UpdateExpression: "ADD refundedTotal :amount",
                // What is left to refund is checked by DynamoDB, not only read above: two requests
                // at once can never take back more than was charged.
                ConditionExpression: `#status IN (${orderStatuses.map((_, i) => `:os${i}`).join(", ")}) AND payment.chargeId = :chargeId AND payment.#ps IN (:charged, :partial) AND (attribute_not_exists(refundedTotal) OR refundedTotal <= :most)`,
                ExpressionAttributeNames: { "#status": "status", "#ps": "status" },
                ExpressionAttributeValues: {
                  ":amount": asked.amountMinor,
                  ...Object.fromEntries(orderStatuses.map((status, i) => [`:os${i}`, status])),
                  ":chargeId": payment.chargeId,
                  ":charged": "CHARGED",
                  ":partial": "PARTIALLY_REFUNDED",
                  ":most": payment.amountMinor - asked.amountMinor,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || attempt >= RESERVE_ATTEMPTS) throw error;
      // Another request won the race (its key, or the amount left): answer from what is there now.
      return this.reserve(orderId, requestKey, asked, orderStatuses, attempt + 1);
    }
    return { kind: "reserved", order: (await this.order(orderId))! };
  }

  private replayOf(
    earlier: RefundRequestRecord,
    asked: RefundAsked,
    order: OrderRecord | undefined,
  ): RefundReservation {
    if (earlier.amountMinor !== asked.amountMinor || earlier.reason !== asked.reason || !order) {
      return { kind: "key-reused" };
    }
    return { kind: "replay", order, ...(earlier.refundId ? { refundId: earlier.refundId } : {}) };
  }

  async complete(orderId: string, requestKey: string, refundId: string): Promise<OrderRecord> {
    const request = await this.request(orderId, requestKey);
    const order = await this.order(orderId);
    if (!request || !order?.payment) throw new Error(`No refund request ${requestKey} on order ${orderId}.`);
    if (request.status === "DONE") return order;
    const entry: RefundEntry = {
      refundId,
      amountMinor: request.amountMinor,
      reason: request.reason,
      by: request.by,
      at: request.at,
      ...(request.receiptId ? { receiptId: request.receiptId } : {}),
    };
    // REFUNDED once the refunds made add up to the charge (not what other requests set aside:
    // one of them may still be refused and released).
    const made = (order.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0) + request.amountMinor;
    const fully = made >= order.payment.amountMinor;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.keysTable,
                Key: this.keyItem(orderId, requestKey),
                UpdateExpression: "SET #status = :done, refundId = :refundId",
                ConditionExpression: "#status = :pending",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":done": "DONE", ":pending": "PENDING", ":refundId": refundId },
              },
            },
            {
              Update: {
                TableName: this.ordersTable,
                Key: { orderId },
                UpdateExpression:
                  "SET refunds = list_append(if_not_exists(refunds, :none), :entry), payment.#ps = :paymentStatus, updatedAt = :now",
                ConditionExpression: "attribute_exists(payment)",
                ExpressionAttributeNames: { "#ps": "status" },
                ExpressionAttributeValues: {
                  ":none": [],
                  ":entry": [entry],
                  ":paymentStatus": fully ? "REFUNDED" : "PARTIALLY_REFUNDED",
                  ":now": new Date().toISOString(),
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Completed meanwhile by a retry of the same request: what is recorded stands.
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
    return this.settledStatus(orderId);
  }

  /**
   * Two requests completing at once each read the other's refund as not made yet; whichever reads
   * the full sum afterwards marks the payment REFUNDED (conditional, so once).
   */
  private async settledStatus(orderId: string): Promise<OrderRecord> {
    const order = (await this.order(orderId))!;
    const made = (order.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
    if (!order.payment || order.payment.status === "REFUNDED" || made < order.payment.amountMinor)
      return order;
    await conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.ordersTable,
          Key: { orderId },
          UpdateExpression: "SET payment.#ps = :refunded",
          ConditionExpression: "payment.#ps = :partial",
          ExpressionAttributeNames: { "#ps": "status" },
          ExpressionAttributeValues: { ":refunded": "REFUNDED", ":partial": "PARTIALLY_REFUNDED" },
        }),
      ),
    );
    return (await this.order(orderId))!;
  }

  async release(orderId: string, requestKey: string): Promise<void> {
    const request = await this.request(orderId, requestKey);
    if (!request || request.status !== "PENDING") return;
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: this.keysTable,
              Key: this.keyItem(orderId, requestKey),
              ConditionExpression: "#status = :pending",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":pending": "PENDING" },
            },
          },
          {
            Update: {
              TableName: this.ordersTable,
              Key: { orderId },
              UpdateExpression: "ADD refundedTotal :minus",
              ExpressionAttributeValues: { ":minus": -request.amountMinor },
            },
          },
        ],
      }),
    );
  }
}

/** Staff refund requests live in the key table and expire with the other keys. */
export function dynamoDbRefundLedger(config: {
  readonly ordersTableName: string;
  readonly orderKeysTableName: string;
  readonly idempotencyKeyTtlHours: string;
}): DynamoDbRefundLedger {
  return new DynamoDbRefundLedger(
    documentClient(),
    config.ordersTableName,
    config.orderKeysTableName,
    keyTtlSeconds(config.idempotencyKeyTtlHours),
  );
}
