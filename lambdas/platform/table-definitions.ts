/**
 * Table definitions shared by the stack (aws_dynamodb_table), the handlers and the local runtime
 * (CreateTable against dynalite), so key schemas and indexes live in exactly one place.
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Non-key attributes copied into the index (projection INCLUDE; none: KEYS_ONLY). */
  readonly includedAttributes: readonly string[];
}

export interface TableDefinition {
  /** Logical name, used as the Terraform id and in local table names. */
  readonly logicalName: string;
  readonly partitionKey: string;
  readonly indexes: readonly IndexDefinition[];
  /** The attribute DynamoDB TTL deletes expired items by (epoch seconds); none: items are kept. */
  readonly expiryAttribute?: string;
}

/** Seed-mandated key name: the inventory table is keyed by `ProductID`. */
export const INVENTORY_TABLE: TableDefinition = {
  logicalName: "InventoryTable",
  partitionKey: "ProductID",
  indexes: [],
};

/**
 * A customer's orders, newest first (GET /orders). It carries what the public order view shows and
 * nothing else: no payment token, no idempotency bookkeeping.
 */
export const ORDERS_BY_CUSTOMER_INDEX: IndexDefinition = {
  name: "customerId-createdAt-index",
  partitionKey: "customerId",
  sortKey: "createdAt",
  includedAttributes: [
    "status",
    "items",
    "lines",
    "totalMinor",
    "currency",
    "failureCode",
    "failureReason",
    "payment",
    "updatedAt",
  ],
};

/**
 * Orders by status, oldest update first: the reconciler reads the PENDING and PROCESSING ones not
 * updated for a while. Keys only (the order id comes with them): it restarts by id.
 */
export const ORDERS_BY_STATUS_INDEX: IndexDefinition = {
  name: "status-updatedAt-index",
  partitionKey: "status",
  sortKey: "updatedAt",
  includedAttributes: [],
};

/** Orders: status, totals, payment and idempotency data, one item per order. */
export const ORDERS_TABLE: TableDefinition = {
  logicalName: "OrdersTable",
  partitionKey: "orderId",
  indexes: [ORDERS_BY_CUSTOMER_INDEX, ORDERS_BY_STATUS_INDEX],
};

/**
 * Idempotency keys: (customer, Idempotency-Key) → the order it created. Written in the same
 * transaction as the order, so a key never names a missing order and an order id never derives
 * from a key a client chose. Also the payment providers' event ids PaymentEvents applied
 * (Powertools Idempotency), which expire: TTL deletes them some time after `expiresAt`, and the
 * library itself ignores an expired record until then.
 */
export const ORDER_KEYS_TABLE = {
  logicalName: "OrderKeysTable",
  partitionKey: "keyHash",
  indexes: [],
  expiryAttribute: "expiresAt",
} as const satisfies TableDefinition;

/** Addresses the store no longer mails (hard bounces, complaints), lower-cased. */
export const EMAIL_SUPPRESSION_TABLE: TableDefinition = {
  logicalName: "EmailSuppressionTable",
  partitionKey: "email",
  indexes: [],
};

export const TABLES: readonly TableDefinition[] = [
  INVENTORY_TABLE,
  ORDERS_TABLE,
  ORDER_KEYS_TABLE,
  EMAIL_SUPPRESSION_TABLE,
];

/** Every key attribute of a table and its indexes (all strings here), for AttributeDefinitions. */
export function keyAttributes(table: TableDefinition): string[] {
  const names = [table.partitionKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return [...new Set(names)];
}
