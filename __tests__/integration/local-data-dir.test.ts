/**
 * `npm start -- --data-dir DIR` keeps orders and stock between runs, never re-seeds over them, and
 * brings an older directory's tables up to the current definitions.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ORDERS_BY_CUSTOMER_INDEX } from "../../lambdas/shared/table-definitions";
import { startLocalDynamoDb } from "../../local/dynamodb/server";
import { LOCAL_TABLES } from "../../local/local-resources";
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

test("a data directory from before the customer's-orders index gets the index, every order kept", async () => {
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
