import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { INVENTORY_TABLE, ORDERS_TABLE, type TableDefinition } from "../lambdas/shared/tables";

export interface TableNames {
  readonly orders: string;
  readonly inventory: string;
}

/** Creates the order system's tables from the same definitions the stack deploys (idempotent). */
export async function createOrderTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const create = async (definition: TableDefinition, name: string) => {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: [{ AttributeName: definition.partitionKey, KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: definition.partitionKey, AttributeType: "S" }],
        }),
      );
    } catch (error) {
      // A kept --data-dir already has them.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  };
  await create(ORDERS_TABLE, names.orders);
  await create(INVENTORY_TABLE, names.inventory);
}
