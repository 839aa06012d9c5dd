/**
 * `npm start -- --data-dir DIR` keeps orders and stock between runs, never re-seeds over them, and
 * brings an older directory's tables up to the current definitions.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ORDERS_BY_CUSTOMER_INDEX, ORDERS_BY_STATUS_INDEX } from "../../lambdas/platform/table-definitions";
import { startLocalDynamoDb } from "../../local/dynamodb/server";
import { untilTable } from "../../local/dynamodb/database";
import { DurableList } from "../../local/runtime/durable-list";
import { LOCAL_TABLES } from "../../local/runtime/resources";
import { QueueJournal } from "../../local/sqs/journal";
import { startTestSystem } from "../support/local-system";

jest.setTimeout(60_000);

test("orders and stock survive a restart with the same data directory", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "order-data-"));
  try {
    const first = await startTestSystem({ dataDir });
    const placed = await first.placeOrder({
      customerEmail: "buyer@example.com",
      paymentToken: "tok_visa",
      items: [{ productId: "SKU-1012", quantity: 2 }],
    });
    const orderId = String(placed.body.orderId);
    expect((await first.waitForFinalStatus(orderId)).status).toBe("CONFIRMED");
    expect(await first.stockOf("SKU-1012")).toBe(1);
    await first.stop();

    const second = await startTestSystem({ dataDir });
    try {
      expect((await second.getOrder(orderId)).body).toMatchObject({ orderId, status: "CONFIRMED" });
      expect(await second.stockOf("SKU-1012")).toBe(1);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a data directory from before the orders table's indexes gets them all, every order kept", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "order-data-old-"));
  try {
    // The orders table as it was: keyed by orderId, no index.
    const old = await startLocalDynamoDb({ dataDir });
    const client = new DynamoDBClient({
      endpoint: old.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    await client.send(
      new CreateTableCommand({
        TableName: LOCAL_TABLES.orders,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "orderId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "S" }],
      }),
    );
    await untilTable(client, LOCAL_TABLES.orders, { gone: false });
    const kept = { orderId: { S: "0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f" }, status: { S: "CONFIRMED" } };
    await client.send(new PutItemCommand({ TableName: LOCAL_TABLES.orders, Item: kept }));
    client.destroy();
    await old.close();

    const system = await startTestSystem({ dataDir });
    try {
      const upgraded = new DynamoDBClient({
        endpoint: system.system.dynamoDbEndpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
      });
      const table = await upgraded.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.orders }));
      upgraded.destroy();
      expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([
        ORDERS_BY_CUSTOMER_INDEX.name,
        ORDERS_BY_STATUS_INDEX.name,
      ]);
      expect(await system.orderRecord(kept.orderId.S)).toMatchObject({ status: "CONFIRMED" });
      expect(existsSync(join(dataDir, `${LOCAL_TABLES.orders}-before-indexes.json`))).toBe(true);
      const placed = await system.placeOrder({
        paymentToken: "tok_visa",
        items: [{ productId: "SKU-1001", quantity: 1 }],
      });
      expect((await system.listOrders()).body.orders).toEqual([
        expect.objectContaining({ orderId: placed.body.orderId }),
      ]);
      await system.system.settled();
    } finally {
      await system.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a transaction a crash interrupted is rolled back on the next start, as DynamoDB's are atomic", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "order-data-tx-"));
  const client = (endpoint: string) =>
    new DynamoDBClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
  try {
    const first = await startLocalDynamoDb({ dataDir });
    const db = client(first.endpoint);
    try {
      await db.send(
        new CreateTableCommand({
          TableName: "txn",
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        }),
      );
      await untilTable(db, "txn", { gone: false });
      // The state a SIGKILL leaves halfway through a two-item transaction: the first put applied
      // (a new item, and a change to an existing one), the journal of what to restore still there.
      await db.send(new PutItemCommand({ TableName: "txn", Item: { id: { S: "new" } } }));
      await db.send(
        new PutItemCommand({ TableName: "txn", Item: { id: { S: "old" }, v: { S: "changed" } } }),
      );
      writeFileSync(
        join(dataDir, "transaction-in-progress.json"),
        JSON.stringify([
          { table: "txn", key: { id: { S: "new" } } },
          { table: "txn", key: { id: { S: "old" } }, old: { id: { S: "old" }, v: { S: "before" } } },
        ]),
      );
    } finally {
      // Closed whatever happened: an open database would keep jest from exiting.
      db.destroy();
      await first.close();
    }

    const second = await startLocalDynamoDb({ dataDir });
    const after = client(second.endpoint);
    try {
      expect(
        (await after.send(new GetItemCommand({ TableName: "txn", Key: { id: { S: "new" } } }))).Item,
      ).toBeUndefined();
      expect(
        (await after.send(new GetItemCommand({ TableName: "txn", Key: { id: { S: "old" } } }))).Item,
      ).toEqual({
        id: { S: "old" },
        v: { S: "before" },
      });
      expect(existsSync(join(dataDir, "transaction-in-progress.json"))).toBe(false);
    } finally {
      after.destroy();
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("the local queue's journal and the dead-letter queues survive a crash", () => {
  test("a message is on disk before send returns; deletes and dead letters are replayed on open", () => {
    const dir = mkdtempSync(join(tmpdir(), "order-queue-"));
    try {
      const path = join(dir, "queue.jsonl");
      const first = QueueJournal.open(path).journal;
      const message = (id: string) => ({ messageId: id, body: `{"orderId":"${id}"}`, sentAt: 1 });
      for (const id of ["a", "b", "c"]) first.sent(message(id));
      first.deleted("a");
      first.deadLettered("c");
      // A crash mid-write leaves a torn last line.
      appendFileSync(path, '{"op":"send","mess');
      const { state } = QueueJournal.open(path);
      expect(state.queued.map((m) => m.messageId)).toEqual(["b"]);
      expect(state.deadLettered.map((m) => m.messageId)).toEqual(["c"]);
      // Compacted: opening again gives the same state.
      expect(QueueJournal.open(path).state).toEqual(state);

      const dlq = join(dir, "dlq.jsonl");
      new DurableList<{ id: string }>(dlq).push({ id: "x" });
      expect(new DurableList<{ id: string }>(dlq).list()).toEqual([{ id: "x" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
