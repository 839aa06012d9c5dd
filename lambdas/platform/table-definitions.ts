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

/** DynamoDB's key attribute types used here: strings, and numbers for sequence numbers. */
export type KeyAttributeType = "S" | "N";

export interface TableDefinition {
  /** Logical name, used as the Terraform id and in local table names. */
  readonly logicalName: string;
  readonly partitionKey: string;
  /** The sort key (a string unless typed otherwise); none: one item per partition key. */
  readonly sortKey?: { readonly name: string; readonly type: KeyAttributeType };
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

/**
 * Every change of a product's stock, with its cause (a sale, a release, a staff adjustment, a
 * return) and the stock after it: the product's movements in order, `seq` 1, 2, 3… Each is recorded
 * first in the product's own item, in the write that changes the stock, and copied here when the
 * item's log is due (catalog/adapters/dynamodb-stock-ledger.ts).
 */
export const STOCK_MOVEMENTS_TABLE: TableDefinition = {
  logicalName: "StockMovementsTable",
  partitionKey: "productId",
  sortKey: { name: "seq", type: "N" },
  indexes: [],
};

export const TABLES: readonly TableDefinition[] = [
  INVENTORY_TABLE,
  STOCK_MOVEMENTS_TABLE,
  ORDERS_TABLE,
  ORDER_KEYS_TABLE,
  EMAIL_SUPPRESSION_TABLE,
];

/** Every key attribute of a table and its indexes with its type, for AttributeDefinitions. */
export function keyAttributes(table: TableDefinition): { name: string; type: KeyAttributeType }[] {
  const names = [table.partitionKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return [
    ...[...new Set(names)].map((name) => ({ name, type: "S" as const })),
    ...(table.sortKey ? [table.sortKey] : []),
  ];
}
