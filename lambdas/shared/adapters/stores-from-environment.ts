/** The DynamoDB stores as every deployed function builds them: tables named by the stack's environment. */
import { documentClient, requireEnv } from "../runtime";
import { DynamoDbInventoryStore } from "./dynamodb-inventory-store";
import { DynamoDbOrderStore } from "./dynamodb-order-store";

export function orderStoreFromEnvironment(): DynamoDbOrderStore {
  return new DynamoDbOrderStore(documentClient(), requireEnv("ORDERS_TABLE_NAME"));
}

export function inventoryStoreFromEnvironment(): DynamoDbInventoryStore {
  return new DynamoDbInventoryStore(
    documentClient(),
    requireEnv("INVENTORY_TABLE_NAME"),
    requireEnv("ORDERS_TABLE_NAME"),
  );
}
