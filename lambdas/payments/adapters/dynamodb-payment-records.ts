/**
 * A payment's life after the charge call, on the order item (PaymentRecords). Every write names the
 * payment (its chargeId) and the statuses it may leave, so a late, repeated or out-of-order event
 * finds the condition false and changes nothing.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { paymentAlreadySettled } from "../../platform/errors";
import {
  PENDING_PAYMENT_STATUSES,
  type DisputeRecord,
  type OrderRecord,
  type OrderStatus,
  type PaymentStatus,
  type RefundEntry,
} from "../../orders/order";
import type { PaymentOutcome, PaymentRecords, PendingPaymentRecord } from "../ports";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { readOrder } from "../../orders/adapters/dynamodb-order-reads";
import { documentClient } from "../../platform/dynamodb/document-client";

const now = (): string => new Date().toISOString();

/** `payment.chargeId = :chargeId AND payment.#status IN (…)`, with its values. */
function paymentIn(statuses: readonly PaymentStatus[]): {
  condition: string;
  values: Record<string, string>;
} {
  const placeholders = statuses.map((status) => `:from_${status.toLowerCase()}`);
  return {
    condition: `payment.chargeId = :chargeId AND payment.#status IN (${placeholders.join(", ")})`,
    values: Object.fromEntries(statuses.map((status, i) => [placeholders[i], status])),
  };
}

export class DynamoDbPaymentRecords implements PaymentRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.tableName, orderId);
  }

  async recordPending(orderId: string, payment: PendingPaymentRecord): Promise<OrderStatus> {
    const same = paymentIn(PENDING_PAYMENT_STATUSES);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: "SET payment = :payment, updatedAt = :now",
          // A retried step records the same pending payment again; nothing else is overwritten.
          ConditionExpression: `attribute_exists(orderId) AND (attribute_not_exists(payment) OR (${same.condition}))`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ...same.values,
            ":payment": payment,
            ":chargeId": payment.chargeId,
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

  async recordOutcome(
    orderId: string,
    chargeId: string,
    outcome: PaymentOutcome,
  ): Promise<{ order: OrderRecord; changed: boolean } | undefined> {
    const pending = paymentIn(PENDING_PAYMENT_STATUSES);
    const failure = outcome.status === "FAILED" ? ", payment.failureMessage = :message" : "";
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET payment.#status = :status, payment.settledAt = :now${failure}, updatedAt = :now`,
          ConditionExpression: pending.condition,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ...pending.values,
            ":chargeId": chargeId,
            ":status": outcome.status,
            ":now": now(),
            ...(outcome.status === "FAILED" ? { ":message": outcome.failureMessage } : {}),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { order: result.Attributes as OrderRecord, changed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const order = await this.get(orderId);
      return order && { order, changed: false };
    }
  }

  async keepTaskToken(
    orderId: string,
    chargeId: string,
    taskToken: string,
  ): Promise<{ kept: true } | { kept: false; order?: OrderRecord }> {
    const pending = paymentIn(PENDING_PAYMENT_STATUSES);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: "SET paymentTaskToken = :token",
          ConditionExpression: pending.condition,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ...pending.values, ":chargeId": chargeId, ":token": taskToken },
        }),
      );
      return { kept: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { kept: false, order: await this.get(orderId) };
    }
  }

  async recordCanceled(orderId: string, chargeId: string, reason: string): Promise<boolean> {
    const cancelable = paymentIn([...PENDING_PAYMENT_STATUSES, "FAILED", "CANCELED"]);
    return conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression:
            "SET payment.#status = :canceled, payment.failureMessage = if_not_exists(payment.failureMessage, :reason), updatedAt = :now REMOVE paymentTaskToken",
          ConditionExpression: cancelable.condition,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ...cancelable.values,
            ":chargeId": chargeId,
            ":canceled": "CANCELED",
            ":reason": reason,
            ":now": now(),
          },
        }),
      ),
    );
  }

  async recordProviderRefund(orderId: string, chargeId: string, refund: RefundEntry): Promise<boolean> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const order = await this.get(orderId);
      const payment = order?.payment;
      if (!order || !payment || payment.chargeId !== chargeId) return false;
      if (order.providerRefundIds?.has(refund.refundId)) return false;
      const before = order.refundedTotal ?? 0;
      const fully = before + refund.amountMinor >= payment.amountMinor;
      const recorded = await conditionalWrite(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression:
              "SET refunds = list_append(if_not_exists(refunds, :none), :entry), payment.#status = :paymentStatus, updatedAt = :now ADD refundedTotal :amount, providerRefundIds :ids",
            // Once per refund id, and on what was read: a staff refund at the same moment makes this
            // read again, so the payment's status adds both up.
            ConditionExpression: `payment.chargeId = :chargeId AND payment.#status IN (:charged, :partial, :refunded) AND NOT contains(providerRefundIds, :id) AND ${
              before === 0
                ? "(attribute_not_exists(refundedTotal) OR refundedTotal = :before)"
                : "refundedTotal = :before"
            }`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":none": [],
              ":entry": [refund],
              ":paymentStatus": fully ? "REFUNDED" : "PARTIALLY_REFUNDED",
              ":now": now(),
              ":amount": refund.amountMinor,
              ":ids": new Set([refund.refundId]),
              ":id": refund.refundId,
              ":chargeId": chargeId,
              ":charged": "CHARGED",
              ":partial": "PARTIALLY_REFUNDED",
              ":refunded": "REFUNDED",
              ":before": before,
            },
          }),
        ),
      );
      if (recorded) return true;
    }
    throw new Error(`The provider's refund ${refund.refundId} of order ${orderId} kept losing races.`);
  }

  async recordDispute(
    orderId: string,
    chargeId: string,
    dispute: DisputeRecord,
  ): Promise<
    { readonly order: OrderRecord; readonly opened: boolean; readonly changed: boolean } | undefined
  > {
    const order = await this.get(orderId);
    if (!order?.payment || order.payment.chargeId !== chargeId) return undefined;
    const known = order.dispute?.disputeId === dispute.disputeId ? order.dispute : undefined;
    // A late or repeated event that says what the order already holds (a closed dispute stays
    // closed) changes nothing, and writes nothing.
    if (known && (known.closedAt || sameDispute(known, dispute))) {
      return { order, opened: false, changed: false };
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: "SET dispute = :dispute, updatedAt = :now",
        ConditionExpression: "payment.chargeId = :chargeId",
        ExpressionAttributeValues: {
          // When it was opened is the first event's; a closed dispute stays closed.
          ":dispute": known?.closedAt ? known : { ...dispute, openedAt: known?.openedAt ?? dispute.openedAt },
          ":now": now(),
          ":chargeId": chargeId,
        },
      }),
    );
    return { order, opened: known === undefined, changed: true };
  }
}

/** The provider's facts of a dispute (not when this system learned of them). */
function sameDispute(a: DisputeRecord, b: DisputeRecord): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.amountMinor === b.amountMinor &&
    a.evidenceDueBy === b.evidenceDueBy &&
    Boolean(a.closedAt) === Boolean(b.closedAt)
  );
}

export function dynamoDbPaymentRecords(config: { readonly ordersTableName: string }): DynamoDbPaymentRecords {
  return new DynamoDbPaymentRecords(documentClient(), config.ordersTableName);
}
