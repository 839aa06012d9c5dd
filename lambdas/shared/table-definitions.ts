/**
 * Table definitions shared by the stack (aws_dynamodb_table), the handlers and the local runtime
 * (CreateTable against dynalite), so the key schema lives in exactly one place.
 */
export interface TableDefinition {
  /** Logical name, used as the Terraform id and in local table names. */
  readonly logicalName: string;
  readonly partitionKey: string;
}

/** Seed-mandated key name: the inventory table is keyed by `ProductID`. */
export const INVENTORY_TABLE: TableDefinition = { logicalName: "InventoryTable", partitionKey: "ProductID" };

/** Orders: status, totals, payment and idempotency data, one item per order. */
export const ORDERS_TABLE: TableDefinition = { logicalName: "OrdersTable", partitionKey: "orderId" };

export const TABLES: readonly TableDefinition[] = [INVENTORY_TABLE, ORDERS_TABLE];
