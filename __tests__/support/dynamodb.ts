import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  startLocalDynamoDb,
  type LocalDynamoDb,
  type LocalDynamoDbOptions,
} from "../../local/dynamodb/server";
import { createOrderTables, type TableNames } from "../../local/dynamodb/database";

export interface TestDatabase {
  readonly db: LocalDynamoDb;
  /** The plain SDK client (DynamoDB JSON), for what the document client does not do. */
  readonly raw: DynamoDBClient;
  readonly client: DynamoDBDocumentClient;
  readonly tables: TableNames;
  close(): Promise<void>;
}

/** A dynalite-backed DynamoDB started by the test itself, with the stack's table definitions. */
export async function startTestDatabase(options: LocalDynamoDbOptions = {}): Promise<TestDatabase> {
  const db = await startLocalDynamoDb(options);
  const raw = new DynamoDBClient({
    endpoint: db.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const tables = {
    orders: "orders-it",
    inventory: "inventory-it",
    stockMovements: "stock-movements-it",
    orderKeys: "order-keys-it",
    emailSuppression: "email-suppression-it",
  };
  await createOrderTables(raw, tables);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    db,
    raw,
    client,
    tables,
    close: async () => {
      raw.destroy();
      await db.close();
    },
  };
}
