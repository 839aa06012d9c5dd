import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import {
  EMAIL_SUPPRESSION_TABLE,
  INVENTORY_TABLE,
  ORDER_KEYS_TABLE,
  ORDERS_TABLE,
  STOCK_MOVEMENTS_TABLE,
  keyAttributes,
  type TableDefinition,
} from "../../lambdas/platform/table-definitions";

export interface DataTablesProps {
  readonly namePrefix: string;
  readonly deletionProtection: boolean;
}

/**
 * InventoryTable (ProductID), StockMovementsTable (productId, seq), OrdersTable (orderId, with the customer's-orders index and the stream
 * that queues orders) and OrderKeysTable (idempotency keys): on-demand, PITR, encrypted; key schemas
 * and indexes shared with the local runtime.
 */
export class DataTables extends Construct {
  readonly inventory: DynamodbTable;
  readonly stockMovements: DynamodbTable;
  readonly orders: DynamodbTable;
  readonly orderKeys: DynamodbTable;
  readonly emailSuppression: DynamodbTable;

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    const table = (definition: TableDefinition, suffix: string, stream = false) => {
      const resource = new DynamodbTable(this, definition.logicalName, {
        name: `${props.namePrefix}-${suffix}`,
        billingMode: "PAY_PER_REQUEST",
        hashKey: definition.partitionKey,
        ...(definition.sortKey ? { rangeKey: definition.sortKey.name } : {}),
        attribute: keyAttributes(definition),
        globalSecondaryIndex: definition.indexes.map((index) => ({
          name: index.name,
          hashKey: index.partitionKey,
          rangeKey: index.sortKey,
          ...(index.includedAttributes.length > 0
            ? { projectionType: "INCLUDE", nonKeyAttributes: [...index.includedAttributes] }
            : { projectionType: "KEYS_ONLY" }),
        })),
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: props.deletionProtection,
        ...(definition.expiryAttribute
          ? { ttl: { attributeName: definition.expiryAttribute, enabled: true } }
          : {}),
        // Both images: the order events compare what a change added (OrderEventBus).
        ...(stream ? { streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" } : {}),
      });
      resource.overrideLogicalId(definition.logicalName);
      return resource;
    };
    // The inventory's stream carries the stock events (OrderEventBus).
    this.inventory = table(INVENTORY_TABLE, "inventory", true);
    this.stockMovements = table(STOCK_MOVEMENTS_TABLE, "stock-movements");
    // The stream is the order outbox: every PENDING write reaches OrdersQueue (OrderOutbox).
    this.orders = table(ORDERS_TABLE, "orders", true);
    this.orderKeys = table(ORDER_KEYS_TABLE, "order-keys");
    this.emailSuppression = table(EMAIL_SUPPRESSION_TABLE, "email-suppression");
  }
}
