/**
 * Local DynamoDB as a service: dynalite in its own process (or in this one), with the order system's
 * tables created from the same definitions the stack deploys.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { INVENTORY_TABLE, ORDERS_TABLE, type TableDefinition } from "../../lambdas/shared/table-definitions";
import { startLocalDynamoDbProcess } from "../dynamodb/process";
import { startLocalDynamoDb } from "../dynamodb/server";
import { LOCAL_REGION } from "../local-resources";
import type { LocalService } from "./service";

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

export interface DatabaseService extends LocalService {
  readonly endpoint: string;
  /** A low-level client for the workflow's direct DynamoDB integration. */
  readonly client: DynamoDBClient;
}

export interface DatabaseOptions {
  readonly tables: TableNames;
  readonly dataDir?: string;
  readonly host: string;
  /** Runs DynamoDB inside this process instead of its own (one core instead of two). */
  readonly inProcess?: boolean;
}

export async function startDatabaseService(options: DatabaseOptions): Promise<DatabaseService> {
  const db = options.inProcess
    ? await startLocalDynamoDb({ dataDir: options.dataDir, host: options.host })
    : await startLocalDynamoDbProcess({ dataDir: options.dataDir, host: options.host });
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await createOrderTables(client, options.tables);
  } catch (error) {
    client.destroy();
    await db.close();
    throw error;
  }
  return {
    name: "database",
    endpoint: db.endpoint,
    client,
    stop: async () => {
      client.destroy();
      await db.close();
    },
  };
}
