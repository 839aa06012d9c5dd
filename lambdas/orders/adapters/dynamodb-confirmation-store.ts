import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  CUSTOMER_EMAIL_ATTRIBUTES,
  emailAttributeOf,
  ORDER_ATTRIBUTES,
  statusesBefore,
  type CustomerEmailRecord,
  type OrderRecord,
  type OrderStatus,
} from "../order";
import type { CustomerEmailSubject } from "../order";
import type { ConfirmationStore } from "../ports";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { readOrder } from "./dynamodb-order-reads";
import { documentClient } from "../../platform/dynamodb/document-client";

export const now = (): string => new Date().toISOString();

/**
 * The condition and values that let an order move to `to` only from the statuses the order module
 * allows (e.g. `#status IN (:pending, :processing)`), so a finished order never goes back.
 */
export function statusGuard(to: OrderStatus): { condition: string; values: Record<string, string> } {
  const from = statusesBefore(to);
  const placeholder = (status: OrderStatus) => `:${status.toLowerCase()}`;
  return {
    condition: `attribute_exists(orderId) AND #status IN (${from.map(placeholder).join(", ")})`,
    values: Object.fromEntries([to, ...from].map((status) => [placeholder(status), status])),
  };
}

/**
 * The order operations of the confirmation step: read an order, confirm it, and claim, release or
 * record its customer e-mail. OrderSuccessHandler needs only these, so its bundle carries only
 * these; DynamoDbOrderStore adds placing, paying and refunding.
 */
export class DynamoDbConfirmationStore implements ConfirmationStore {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.client, this.tableName, orderId);
  }

  async markConfirmed(
    orderId: string,
    options: { readonly claimEmailAt?: string } = {},
  ): Promise<{ order: OrderRecord; changed: boolean } | undefined> {
    const guard = statusGuard("CONFIRMED");
    const claim = options.claimEmailAt;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET #status = :confirmed, updatedAt = :now${claim ? ", #email = :claim" : ""}`,
          ConditionExpression: guard.condition,
          ExpressionAttributeNames: {
            "#status": ORDER_ATTRIBUTES.status,
            ...(claim ? { "#email": CUSTOMER_EMAIL_ATTRIBUTES.confirmation } : {}),
          },
          ExpressionAttributeValues: {
            ...guard.values,
            ":now": now(),
            ...(claim ? { ":claim": { status: "SENDING", claimedAt: claim } } : {}),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { order: result.Attributes as OrderRecord, changed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(orderId);
      return existing ? { order: existing, changed: false } : undefined;
    }
  }

  async claimCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    at: string,
    claimExpiredBefore: string,
  ): Promise<boolean> {
    return conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: "SET #email = :claim",
          ConditionExpression:
            "attribute_exists(orderId) AND (attribute_not_exists(#email) OR (#email.#status = :sending AND #email.claimedAt < :expired))",
          ExpressionAttributeNames: { "#email": emailAttributeOf(kind), "#status": "status" },
          ExpressionAttributeValues: {
            ":claim": { status: "SENDING", claimedAt: at },
            ":sending": "SENDING",
            ":expired": claimExpiredBefore,
          },
        }),
      ),
    );
  }

  async releaseCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    claimedAt: string,
    options: { readonly confirmationNotified?: boolean } = {},
  ): Promise<void> {
    const notified = options.confirmationNotified ?? false;
    // Not made when taken over by another sender since: theirs now.
    await conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `REMOVE #email${notified ? " SET confirmationNotifiedAt = :now" : ""}`,
          ConditionExpression: "#email.#status = :sending AND #email.claimedAt = :claimedAt",
          ExpressionAttributeNames: { "#email": emailAttributeOf(kind), "#status": "status" },
          ExpressionAttributeValues: {
            ":sending": "SENDING",
            ":claimedAt": claimedAt,
            ...(notified ? { ":now": now() } : {}),
          },
        }),
      ),
    );
  }

  async recordCustomerEmail(
    orderId: string,
    kind: CustomerEmailSubject,
    outcome: CustomerEmailRecord,
    options: { readonly confirmationNotified?: boolean } = {},
  ): Promise<void> {
    const notified = options.confirmationNotified ?? false;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: `SET #email = :outcome${notified ? ", confirmationNotifiedAt = :now" : ""}`,
        ConditionExpression: "attribute_exists(orderId)",
        ExpressionAttributeNames: { "#email": emailAttributeOf(kind) },
        ExpressionAttributeValues: { ":outcome": outcome, ...(notified ? { ":now": now() } : {}) },
      }),
    );
  }

  async markConfirmationNotified(orderId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: "SET confirmationNotifiedAt = :now",
        ExpressionAttributeValues: { ":now": now() },
      }),
    );
  }
}

/** The confirmation step's order operations only (OrderSuccessHandler). */
export function dynamoDbConfirmationStore(config: {
  readonly ordersTableName: string;
}): DynamoDbConfirmationStore {
  return new DynamoDbConfirmationStore(documentClient(), config.ordersTableName);
}
