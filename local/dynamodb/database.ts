/**
 * Local DynamoDB as a service: dynalite in its own process (or in this one), with the order system's
 * tables created from the same definitions the stack deploys.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  EMAIL_SUPPRESSION_TABLE,
  INVENTORY_TABLE,
  STOCK_MOVEMENTS_TABLE,
  ORDER_KEYS_TABLE,
  ORDERS_TABLE,
  keyAttributes,
  type TableDefinition,
} from "../../lambdas/platform/table-definitions";
import type { BillingPort } from "./billing";
import { startLocalDynamoDbProcess } from "./process";
import { startLocalDynamoDb, type LocalDynamoDb } from "./server";
import { optionFor } from "../options";
import { LOCAL_REGION } from "../runtime/resources";
import type { LocalService } from "../runtime/service";

export interface TableNames {
  readonly orders: string;
  readonly inventory: string;
  readonly stockMovements: string;
  readonly orderKeys: string;
  readonly emailSuppression: string;
}

function createTableInput(definition: TableDefinition, name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: "HASH" },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: "RANGE" as const }] : []),
    ],
    AttributeDefinitions: keyAttributes(definition).map(({ name, type }) => ({
      AttributeName: name,
      AttributeType: type,
    })),
    GlobalSecondaryIndexes:
      definition.indexes.length === 0
        ? undefined
        : definition.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: "HASH" },
              { AttributeName: index.sortKey, KeyType: "RANGE" },
            ],
            Projection:
              index.includedAttributes.length > 0
                ? { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.includedAttributes] }
                : { ProjectionType: "KEYS_ONLY" },
          })),
  };
}

/**
 * A table kept in a --data-dir from before an index was added gets it here. dynalite cannot add an
 * index to an existing table (UpdateTable), so the table is copied out, re-created and refilled; a
 * JSON copy of its items is written first (when a directory is given), so a crash loses nothing.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  definition: TableDefinition,
  name: string,
  backupDir: string | undefined,
): Promise<void> {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  if (definition.indexes.every((index) => present.has(index.name))) return;
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  if (backupDir) {
    writeFileSync(join(backupDir, `${name}-before-indexes.json`), JSON.stringify(items));
  }
  await client.send(new DeleteTableCommand({ TableName: name }));
  await untilTable(client, name, { gone: true });
  await client.send(new CreateTableCommand(createTableInput(definition, name)));
  await untilTable(client, name, { gone: false });
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    let unprocessed: Record<string, WriteRequest[]> | undefined = { [name]: batch };
    while (unprocessed && Object.keys(unprocessed).length > 0) {
      unprocessed = (await client.send(new BatchWriteItemCommand({ RequestItems: unprocessed })))
        .UnprocessedItems;
    }
  }
}

/**
 * dynalite finishes CreateTable and DeleteTable on a timer: until then the table is CREATING (reads
 * and writes are refused) or still DELETING (a CreateTable of its name is refused). Waits for the
 * table to be ACTIVE (`gone: false`) or gone (`gone: true`).
 */
export async function untilTable(
  client: DynamoDBClient,
  name: string,
  { gone }: { gone: boolean },
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (!gone && Table?.TableStatus === "ACTIVE") return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      if (gone) return;
    }
    if (Date.now() > deadline)
      throw new Error(`Table ${name} was not ${gone ? "deleted" : "active"} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Creates the order system's tables from the same definitions the stack deploys (idempotent); a kept
 * table that lacks an index gets it.
 */
export async function createOrderTables(
  client: DynamoDBClient,
  names: TableNames,
  backupDir?: string,
): Promise<void> {
  const create = async (definition: TableDefinition, name: string) => {
    try {
      await client.send(new CreateTableCommand(createTableInput(definition, name)));
    } catch (error) {
      // A kept --data-dir already has them.
      if (!(error instanceof ResourceInUseException)) throw error;
      await addMissingIndexes(client, definition, name, backupDir);
    }
  };
  await create(ORDERS_TABLE, names.orders);
  await create(INVENTORY_TABLE, names.inventory);
  await create(STOCK_MOVEMENTS_TABLE, names.stockMovements);
  await create(ORDER_KEYS_TABLE, names.orderKeys);
  await create(EMAIL_SUPPRESSION_TABLE, names.emailSuppression);
  for (const name of Object.values(names)) await untilTable(client, name, { gone: false });
}

export interface DatabaseService extends LocalService {
  /** The runtime's own endpoint: neither billed nor authorized. */
  readonly endpoint: string;
  /** The billed endpoint (with `billing`), where the functions and the workflow call it. */
  readonly billedEndpoint: string | undefined;
  /** A low-level client for the workflow's direct DynamoDB integration. */
  readonly client: DynamoDBClient;
  /** False from the moment the database process dies until it is running again. */
  healthy(): boolean;
  /** The database process's id (undefined in-process). */
  pid(): number | undefined;
  /** Called each time a dead database process is running again. */
  onRestart(listener: () => void): void;
}

export interface DatabaseOptions {
  readonly tables: TableNames;
  readonly dataDir?: string;
  readonly host: string;
  /** Runs DynamoDB inside this process instead of its own (one core instead of two). */
  readonly inProcess?: boolean;
  readonly log?: (line: string) => void;
  /** The database died and cannot come back (in memory, or every restart failed): the runtime must stop. */
  readonly onFatal?: (message: string) => void;
  /** Opens the billed endpoint: the bill and local IAM's decisions (billing.ts). */
  readonly billing?: BillingPort;
}

/** The orders and inventory tables have streams (NEW_AND_OLD_IMAGES): their records carry the new image. */
const serverOptions = (options: DatabaseOptions) => ({
  dataDir: options.dataDir,
  host: options.host,
  streamTables: [options.tables.orders, options.tables.inventory],
  billing: options.billing,
});

/** Restarts of a dead database process before giving up. */
const RESTART_ATTEMPTS = 5;

/**
 * Keeps the database process running: when it dies, the death is logged loudly and health turns
 * 503; with --data-dir it is restarted on the same ports over the same data (requests in between
 * fail and are retried as transient), without one the data is gone and the runtime is told to stop.
 */
function supervise(first: LocalDynamoDb, options: DatabaseOptions) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let db = first;
  let healthy = true;
  let stopped = false;
  const restarted: (() => void)[] = [];
  const restart = async (reason: string) => {
    if (stopped) return;
    healthy = false;
    log(`!! The local DynamoDB process died (${reason}). Health is 503 until it is back.`);
    if (!options.dataDir) {
      options.onFatal?.(
        `The in-memory database died and its data is gone. Start the order system again (with ${optionFor("dataDir").flag}, data survives a database crash).`,
      );
      return;
    }
    for (let attempt = 1; attempt <= RESTART_ATTEMPTS && !stopped; attempt++) {
      await new Promise((r) => setTimeout(r, 250 * attempt));
      try {
        db = await startLocalDynamoDbProcess({
          ...serverOptions(options),
          port: db.port,
          billedPort: db.billedPort,
        });
        db.onUnexpectedExit?.((why) => void restart(why));
        healthy = true;
        log(
          `!! The local DynamoDB is running again on port ${db.port} (attempt ${attempt}); unfinished work resumes.`,
        );
        // What the dead process had not yet handed on (its change feed died with it) is resumed.
        for (const listener of restarted) listener();
        return;
      } catch (error) {
        log(`!! Restarting the local DynamoDB failed (attempt ${attempt}): ${(error as Error).message}`);
      }
    }
    if (!stopped)
      options.onFatal?.(`The local DynamoDB could not be restarted after ${RESTART_ATTEMPTS} attempts.`);
  };
  first.onUnexpectedExit?.((why) => void restart(why));
  return {
    healthy: () => healthy,
    pid: () => db.pid,
    onRestart: (listener: () => void) => void restarted.push(listener),
    stop: async () => {
      stopped = true;
      await db.close();
    },
  };
}

export async function startDatabaseService(options: DatabaseOptions): Promise<DatabaseService> {
  const db = options.inProcess
    ? await startLocalDynamoDb(serverOptions(options))
    : await startLocalDynamoDbProcess(serverOptions(options));
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await createOrderTables(client, options.tables, options.dataDir);
  } catch (error) {
    client.destroy();
    await db.close();
    throw error;
  }
  const supervisor = supervise(db, options);
  return {
    name: "database",
    endpoint: db.endpoint,
    billedEndpoint: db.billedEndpoint,
    client,
    healthy: supervisor.healthy,
    pid: supervisor.pid,
    onRestart: supervisor.onRestart,
    stop: async () => {
      client.destroy();
      await supervisor.stop();
    },
  };
}
