/**
 * The changes staff and customers make to an order after it was placed: cancelling and shipping.
 * Each is one conditional write from the status it was read in (the order module's transitions), so
 * a cancellation and a shipment, or a cancellation and the workflow's confirmation, never both win.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  isLegalTransition,
  type CancellationRecord,
  type OrderRecord,
  type OrderStatus,
  type ShipmentRecord,
} from "../order";
import type { OrderChange, OrderChanges } from "../ports";
import { readOrder } from "./dynamodb-order-reads";
import { documentClient } from "../../platform/dynamodb/document-client";

/** How often a change that lost a race to another writer reads the order again and retries. */
const CHANGE_ATTEMPTS = 3;

const now = () => new Date().toISOString();

export class DynamoDbOrderChanges implements OrderChanges {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.tableName, orderId);
  }

  /**
   * A confirmed order's cancellation records what is left of its charge to refund, conditional on
   * what staff refunds set aside being what was read: the amount is exact, whatever runs meanwhile.
   */
  cancel(
    orderId: string,
    cancellation: Omit<CancellationRecord, "fromStatus" | "refundMinor">,
  ): Promise<OrderChange> {
    return this.change(orderId, "CANCELLED", (order) => {
      const payment = order.payment;
      const charged = payment?.status === "CHARGED" || payment?.status === "PARTIALLY_REFUNDED";
      if (order.status !== "CONFIRMED" || !payment || !charged) {
        return { set: { cancellation: { ...cancellation, fromStatus: order.status } } };
      }
      const setAside = order.refundedTotal ?? 0;
      return {
        set: {
          cancellation: {
            ...cancellation,
            fromStatus: order.status,
            refundMinor: payment.amountMinor - setAside,
          },
        },
        condition:
          setAside === 0
            ? "(attribute_not_exists(refundedTotal) OR refundedTotal = :setAside)"
            : "refundedTotal = :setAside",
        values: { ":setAside": setAside },
      };
    });
  }

  ship(orderId: string, shipment: ShipmentRecord): Promise<OrderChange> {
    return this.change(orderId, "SHIPPED", () => ({ set: { shipment } }));
  }

  /**
   * Moves the order to `to` from the status it is read in, if the order module allows it; the write
   * is conditional on that status, so a concurrent change makes it read again.
   */
  private async change(
    orderId: string,
    to: OrderStatus,
    attributes: (order: OrderRecord) => {
      readonly set: Record<string, unknown>;
      readonly condition?: string;
      readonly values?: Record<string, unknown>;
    },
  ): Promise<OrderChange> {
    for (let attempt = 1; ; attempt++) {
      const order = await this.get(orderId);
      if (!order) return { kind: "not-found" };
      if (!isLegalTransition(order.status, to)) return { kind: "unchanged", order };
      const { set, condition, values } = attributes(order);
      const names = Object.keys(set);
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: `SET #status = :to, updatedAt = :now, ${names.map((_, i) => `#a${i} = :a${i}`).join(", ")}`,
            ConditionExpression: condition ? `#status = :from AND ${condition}` : "#status = :from",
            ExpressionAttributeNames: {
              "#status": "status",
              ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
            },
            ExpressionAttributeValues: {
              ":to": to,
              ":from": order.status,
              ":now": now(),
              ...Object.fromEntries(names.map((n, i) => [`:a${i}`, set[n]])),
              ...values,
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { kind: "changed", order: Attributes as OrderRecord };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= CHANGE_ATTEMPTS) throw error;
      }
    }
  }
}

export function dynamoDbOrderChanges(config: { readonly ordersTableName: string }): DynamoDbOrderChanges {
  return new DynamoDbOrderChanges(documentClient(), config.ordersTableName);
}
