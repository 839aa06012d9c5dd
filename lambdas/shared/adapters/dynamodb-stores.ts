/** The DynamoDB stores as every deployed function builds them, on one DocumentClient per process. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbConfirmationStore } from "./dynamodb-confirmation-store";
import { DynamoDbInventoryStore } from "./dynamodb-inventory-store";
import { DynamoDbOrderChanges } from "./dynamodb-order-changes";
import { DynamoDbOrderStore } from "./dynamodb-order-store";
import { DynamoDbPaymentRecords } from "./dynamodb-payment-records";
import { DynamoDbRecentOrders } from "./dynamodb-recent-orders";
import { DynamoDbRefundLedger } from "./dynamodb-refund-ledger";
import { DynamoDbSuppressionList } from "./dynamodb-suppression-list";

let sharedDocumentClient: DynamoDBDocumentClient | undefined;

/** One DocumentClient per process, with the SDK's standard retries (backoff with jitter). */
export function documentClient(): DynamoDBDocumentClient {
  sharedDocumentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedDocumentClient;
}

/** idempotency_key_ttl_hours as seconds; undefined when the function is not configured with it. */
function keyTtlSeconds(hoursText: string | undefined): number | undefined {
  if (hoursText === undefined) return undefined;
  const hours = Number(hoursText);
  if (!(Number.isInteger(hours) && hours >= 1)) {
    throw new Error(`idempotencyKeyTtlHours must be a whole number of hours (got "${hoursText}").`);
  }
  return hours * 3600;
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

/** The confirmation step's order operations only (OrderSuccessHandler). */
export function dynamoDbConfirmationStore(config: {
  readonly ordersTableName: string;
}): DynamoDbConfirmationStore {
  return new DynamoDbConfirmationStore(documentClient(), config.ordersTableName);
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

export function dynamoDbOrderChanges(config: { readonly ordersTableName: string }): DynamoDbOrderChanges {
  return new DynamoDbOrderChanges(documentClient(), config.ordersTableName);
}

export function dynamoDbRecentOrders(config: { readonly ordersTableName: string }): DynamoDbRecentOrders {
  return new DynamoDbRecentOrders(documentClient(), config.ordersTableName);
}

export function dynamoDbPaymentRecords(config: { readonly ordersTableName: string }): DynamoDbPaymentRecords {
  return new DynamoDbPaymentRecords(documentClient(), config.ordersTableName);
}

/** The inventory store also names the orders table: a reservation writes the order's marker. */
export function dynamoDbInventoryStore(config: {
  readonly inventoryTableName: string;
  readonly ordersTableName: string;
}): DynamoDbInventoryStore {
  return new DynamoDbInventoryStore(documentClient(), config.inventoryTableName, config.ordersTableName);
}

export function dynamoDbSuppressionList(config: {
  readonly emailSuppressionTableName: string;
}): DynamoDbSuppressionList {
  return new DynamoDbSuppressionList(documentClient(), config.emailSuppressionTableName);
}
