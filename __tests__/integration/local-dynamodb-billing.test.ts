/**
 * The local database's billed endpoint, in this process (as with the runtime's in-process database;
 * the forked one answers the same questions over IPC): the functions' signed calls are authorized
 * by their role and billed in the capacity units DynamoDB reports, and each caller gets the answer
 * it would have had from DynamoDB. The runtime's own endpoint is neither.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type ReturnValue,
} from "@aws-sdk/client-dynamodb";
import type { FunctionId } from "../../lambdas/platform/contracts";
import type { BilledUnits } from "../../local/dynamodb/billing";
import { READ_CHANGES_TARGET, type ChangePage } from "../../local/dynamodb/change-feed";
import { accessKeyOf, type Check } from "../../local/iam/access-guard";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";

const DENIED = "User: local ValidateOrder is not authorized to perform: dynamodb:PutItem";
const bill: [string, BilledUnits][] = [];
const asked: [string, Check[]][] = [];

let database: TestDatabase;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  database = await startTestDatabase({
    // The orders table's stream carries new images, as the stack's does.
    streamTables: ["orders-it"],
    billing: {
      record: (operation, units) => bill.push([operation, units]),
      // ValidateOrder may read but not write: as its role in the stack.
      decide: (principal, checks) => {
        asked.push([principal, [...checks]]);
        return principal === "ValidateOrder" && checks.some((c) => c.action !== "dynamodb:GetItem")
          ? DENIED
          : undefined;
      },
    },
  });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await database.close();
});
beforeEach(() => {
  bill.length = 0;
  asked.length = 0;
});

function signedAs(id: FunctionId): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: database.db.billedEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: accessKeyOf(id), secretAccessKey: "local" },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

const product = (productId: string, stock: number) => ({
  ProductID: { S: productId },
  stock: { N: String(stock) },
});

test("a function's write and read are billed in the units DynamoDB reports, the answers as it gives them", async () => {
  const payment = signedAs("ProcessPayment");
  const table = database.tables.inventory;
  const put = await payment.send(new PutItemCommand({ TableName: table, Item: product("B-1", 3) }));
  const read = await payment.send(new GetItemCommand({ TableName: table, Key: { ProductID: { S: "B-1" } } }));
  expect(read.Item).toEqual(product("B-1", 3));
  expect({ put: put.ConsumedCapacity, read: read.ConsumedCapacity }).toEqual({
    put: undefined,
    read: undefined,
  });
  const asking = await payment.send(
    new GetItemCommand({
      TableName: table,
      Key: { ProductID: { S: "B-1" } },
      ReturnConsumedCapacity: "TOTAL",
    }),
  );
  expect(asking.ConsumedCapacity).toMatchObject({ CapacityUnits: 0.5 });
  expect(bill).toEqual([
    ["PutItem", { writeUnits: 1 }],
    ["GetItem", { readUnits: 0.5 }],
    ["GetItem", { readUnits: 0.5 }],
  ]);
  // One question for the write and one for the reads: an allowed decision is not asked again.
  expect(asked.map(([principal, checks]) => [principal, checks.map((c) => c.action)])).toEqual([
    ["ProcessPayment", ["dynamodb:PutItem"]],
    ["ProcessPayment", ["dynamodb:GetItem"]],
  ]);
});

test("a call the role does not allow fails as AccessDeniedException, changes nothing and costs nothing", async () => {
  const validate = signedAs("ValidateOrder");
  const table = database.tables.inventory;
  await expect(
    validate.send(new PutItemCommand({ TableName: table, Item: product("B-2", 1) })),
  ).rejects.toMatchObject({ name: "AccessDeniedException", message: DENIED });
  const read = await validate.send(
    new GetItemCommand({ TableName: table, Key: { ProductID: { S: "B-2" } } }),
  );
  expect(read.Item).toBeUndefined();
  expect(bill).toEqual([["GetItem", { readUnits: 0.5 }]]);
});

test("a transaction is billed two write units per item, a cancelled one too", async () => {
  const inventory = signedAs("UpdateInventory");
  const table = database.tables.inventory;
  const items = (stock: number) =>
    ["T-1", "T-2"].map((id) => ({
      Put: {
        TableName: table,
        Item: product(id, stock),
        ConditionExpression: "attribute_not_exists(ProductID)",
      },
    }));
  await inventory.send(new TransactWriteItemsCommand({ TransactItems: items(7) }));
  await expect(
    inventory.send(new TransactWriteItemsCommand({ TransactItems: items(8) })),
  ).rejects.toMatchObject({
    name: "TransactionCanceledException",
  });
  const read = await database.raw.send(
    new GetItemCommand({ TableName: table, Key: { ProductID: { S: "T-2" } } }),
  );
  expect(read.Item).toEqual(product("T-2", 7));
  expect(bill).toEqual([
    ["TransactWriteItems", { writeUnits: 4 }],
    ["TransactWriteItems", { writeUnits: 4 }],
  ]);
});

test("the runtime's own endpoint is neither billed nor asked", async () => {
  await database.raw.send(
    new PutItemCommand({ TableName: database.tables.inventory, Item: product("R-1", 1) }),
  );
  expect({ bill, asked }).toEqual({ bill: [], asked: [] });
});

test("updates of a streamed table: each change record carries the item its own write left, each caller the answer it asked for", async () => {
  const payment = signedAs("ProcessPayment");
  const table = database.tables.orders;
  const Key = { orderId: { S: "S-1" } };
  await payment.send(new PutItemCommand({ TableName: table, Item: { ...Key, step: { N: "0" } } }));
  const update = (step: number, ReturnValues?: ReturnValue) =>
    payment.send(
      new UpdateItemCommand({
        TableName: table,
        Key,
        UpdateExpression: "SET step = :step",
        ExpressionAttributeValues: { ":step": { N: String(step) } },
        ...(ReturnValues ? { ReturnValues } : {}),
      }),
    );
  // At once, as concurrent handlers send them.
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => update(i + 1, (["NONE", "ALL_NEW", undefined] as const)[i % 3])),
  );
  expect(answers.map((a) => a.Attributes)).toEqual(
    answers.map((_, i) => (i % 3 === 1 ? { ...Key, step: { N: String(i + 1) } } : undefined)),
  );
  // One the image cannot answer (the updated attributes) is answered as asked, and recorded too.
  expect((await update(21, "UPDATED_NEW")).Attributes).toEqual({ step: { N: "21" } });
  const response = await fetch(database.db.endpoint, {
    method: "POST",
    headers: { "X-Amz-Target": READ_CHANGES_TARGET },
    body: JSON.stringify({ after: 0 }),
  });
  const records = ((await response.json()) as ChangePage).records.filter((r) => r.keys.orderId?.S === "S-1");
  const steps = records.map((r) => Number(r.newImage?.step?.N));
  expect(steps[0]).toBe(0);
  expect([...steps.slice(1, 21)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(steps[21]).toBe(21);
  expect(records.every((r) => r.newImage?.orderId?.S === "S-1")).toBe(true);
  // Asking for the image costs nothing more: one write unit each, as without.
  expect(bill.filter(([operation]) => operation === "UpdateItem")).toEqual(
    Array.from({ length: 21 }, () => ["UpdateItem", { writeUnits: 1 }]),
  );
});
