/**
 * The local TransactWriteItems fails as DynamoDB does: a condition that does not hold cancels the
 * transaction with its reason; a failure of the database itself (an inner call that errors for any
 * other reason) is a retryable 500 InternalServerError, with what was applied rolled back.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { TransactionExecutor, TransactionFailure } from "../../local/dynamodb/transactions";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";

let database: TestDatabase;
let raw: DynamoDBClient;

beforeAll(async () => {
  database = await startTestDatabase();
  raw = database.raw;
  for (const productId of ["P-1", "P-2", "P-3"]) {
    await raw.send(
      new PutItemCommand({
        TableName: database.tables.inventory,
        Item: { ProductID: { S: productId }, stock: { N: "5" } },
      }),
    );
  }
});

afterAll(async () => {
  await database.close();
});

const stockOf = async (productId: string) =>
  Number(
    (
      await raw.send(
        new GetItemCommand({ TableName: database.tables.inventory, Key: { ProductID: { S: productId } } }),
      )
    ).Item?.stock.N,
  );

const decrement = (productId: string) => ({
  Update: {
    TableName: database.tables.inventory,
    Key: { ProductID: { S: productId } },
    UpdateExpression: "SET stock = stock - :one",
    ConditionExpression: "stock >= :one",
    ExpressionAttributeValues: { ":one": { N: "1" } },
  },
});

/** The real client, but the nth UpdateItem fails as a dropped connection would. */
function failingOnUpdate(n: number): DynamoDBClient {
  let updates = 0;
  return {
    send: (command: { constructor: { name: string } }) => {
      if (command.constructor.name === "UpdateItemCommand" && ++updates === n)
        return Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
      return raw.send(command as never);
    },
  } as unknown as DynamoDBClient;
}

test("a fault of an inner call is a 500 InternalServerError, and the items already written are rolled back", async () => {
  const executor = new TransactionExecutor(failingOnUpdate(2));
  const failure = await executor.transactWrite({ TransactItems: [decrement("P-1"), decrement("P-2")] }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(TransactionFailure);
  expect(failure).toMatchObject({ status: 500, type: "InternalServerError" });
  expect(await stockOf("P-1")).toBe(5);
  expect(await stockOf("P-2")).toBe(5);
});

test("a condition that does not hold still cancels with its reason (400, no retry)", async () => {
  const executor = new TransactionExecutor(raw);
  const tooMany = {
    ...decrement("P-2"),
    Update: { ...decrement("P-2").Update, ExpressionAttributeValues: { ":one": { N: "6" } } },
  };
  const failure = await executor.transactWrite({ TransactItems: [decrement("P-1"), tooMany] }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toMatchObject({
    status: 400,
    type: "TransactionCanceledException",
    extra: { CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }] },
  });
  expect(await stockOf("P-1")).toBe(5);
});

test("an invalid item is that entry's ValidationError, as DynamoDB reports it", async () => {
  const executor = new TransactionExecutor(raw);
  const badExpression = {
    Update: { ...decrement("P-1").Update, UpdateExpression: "SET stock = stock - :missing" },
  };
  const failure = await executor.transactWrite({ TransactItems: [badExpression] }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toMatchObject({
    status: 400,
    type: "TransactionCanceledException",
    extra: { CancellationReasons: [{ Code: "ValidationError" }] },
  });
});

test("capacity and images after: a put's item, an update's item as it left it, a delete's none; 2 units per KB of the larger image", async () => {
  const inventory = database.tables.inventory;
  await raw.send(
    new PutItemCommand({ TableName: inventory, Item: { ProductID: { S: "D-1" }, stock: { N: "1" } } }),
  );
  const large = { ProductID: { S: "L-1" }, stock: { N: "1" }, notes: { S: "x".repeat(2500) } };
  const executor = new TransactionExecutor(raw);
  const { response, newImages } = await executor.transactWrite({
    TransactItems: [
      { Put: { TableName: inventory, Item: large } },
      decrement("P-3"),
      { Delete: { TableName: inventory, Key: { ProductID: { S: "D-1" } } } },
    ],
    ReturnConsumedCapacity: "TOTAL",
  });
  // The put: 3 started KB, 6 units; the update and the delete: under 1 KB either side, 2 each.
  expect(response.ConsumedCapacity).toEqual([
    { TableName: inventory, CapacityUnits: 10, WriteCapacityUnits: 10 },
  ]);
  expect([...newImages.values()]).toEqual([large, { ProductID: { S: "P-3" }, stock: { N: "4" } }, undefined]);
});

test("a condition check on an item that does not exist is evaluated and leaves it not existing", async () => {
  const inventory = database.tables.inventory;
  const missing = { ProductID: { S: "C-404" } };
  const checkThenDecrement = (condition: string) =>
    new TransactionExecutor(raw).transactWrite({
      TransactItems: [
        { ConditionCheck: { TableName: inventory, Key: missing, ConditionExpression: condition } },
        decrement("P-1"),
      ],
    });
  const before = await stockOf("P-1");
  await checkThenDecrement("attribute_not_exists(ProductID)");
  expect(await stockOf("P-1")).toBe(before - 1);
  await expect(checkThenDecrement("attribute_exists(ProductID)")).rejects.toMatchObject({
    type: "TransactionCanceledException",
    extra: { CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }] },
  });
  expect(await stockOf("P-1")).toBe(before - 1);
  expect((await raw.send(new GetItemCommand({ TableName: inventory, Key: missing }))).Item).toBeUndefined();
});

test("TransactGetItems is refused as an operation the local database does not support", async () => {
  const read = raw.send(
    new TransactGetItemsCommand({
      TransactItems: [{ Get: { TableName: database.tables.inventory, Key: { ProductID: { S: "P-1" } } } }],
    }),
  );
  await expect(read).rejects.toMatchObject({
    name: "UnknownOperationException",
    message: "TransactGetItems is not supported locally",
  });
});
