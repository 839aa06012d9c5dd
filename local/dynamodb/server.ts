/**
 * Local DynamoDB: dynalite (the DynamoDB API on LevelDB, in memory by default) behind a front that
 * adds TransactWriteItems, which dynalite does not implement.
 *
 * Transactions run under an exclusive lock while every other operation holds a shared one, so no
 * read or write can observe or interleave with a half-applied transaction. Each item is applied as
 * the matching conditional single-item call (so dynalite evaluates the conditions itself), and on
 * any failure the applied items are restored from their old images: all or nothing, with
 * CancellationReasons per item and ClientRequestToken idempotency, as DynamoDB answers.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../read-body";
import dynalite from "dynalite";
import { ReadWriteLock } from "./rw-lock";

type Item = Record<string, AttributeValue>;
type Expression = {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
};
interface TransactItem {
  Put?: Expression & { Item: Item };
  Update?: Expression & { Key: Item; UpdateExpression: string };
  Delete?: Expression & { Key: Item };
  ConditionCheck?: Expression & { Key: Item };
}

/** DynamoDB's idempotency window for ClientRequestToken. */
const TOKEN_WINDOW_MS = 10 * 60 * 1000;

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** LevelDB directory that keeps data between runs; in memory when omitted. */
  readonly dataDir?: string;
  readonly port?: number;
  readonly host?: string;
}

class TransactionFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? "127.0.0.1";
  const backend = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const delegate = backend.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
  // The transaction executor talks to dynalite directly (it already holds the exclusive lock).
  await new Promise<void>((resolve) => backend.listen(0, host, resolve));
  const internalPort = (backend.address() as AddressInfo).port;
  const internal = new DynamoDBClient({
    endpoint: `http://${host}:${internalPort}`,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });

  const lock = new ReadWriteLock();
  const tokens = new Map<string, { hash: string; at: number }>();
  const keySchemas = new Map<string, string[]>();

  const keyOf = async (table: string, item: Item): Promise<Item> => {
    let names = keySchemas.get(table);
    if (!names) {
      const described = await internal.send(new DescribeTableCommand({ TableName: table }));
      names = (described.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      keySchemas.set(table, names);
    }
    return Object.fromEntries(names.map((n) => [n, item[n]]));
  };

  const transactWrite = async (request: { TransactItems?: TransactItem[]; ClientRequestToken?: string }) => {
    const items = request.TransactItems ?? [];
    if (items.length === 0 || items.length > 100) {
      throw new TransactionFailure(400, "ValidationException", "TransactItems must have 1 to 100 items.");
    }
    const hash = createHash("sha256").update(JSON.stringify(items)).digest("hex");
    const token = request.ClientRequestToken;
    if (token) {
      const seen = tokens.get(token);
      if (seen && Date.now() - seen.at < TOKEN_WINDOW_MS) {
        if (seen.hash !== hash) {
          throw new TransactionFailure(
            400,
            "IdempotentParameterMismatchException",
            "ClientRequestToken reused with different parameters.",
          );
        }
        return {};
      }
    }
    const targets = await Promise.all(
      items.map(async (entry) => {
        const op = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
        if (!op)
          throw new TransactionFailure(400, "ValidationException", "Each TransactItem needs one operation.");
        const key = entry.Put ? await keyOf(op.TableName, entry.Put.Item) : (op as { Key: Item }).Key;
        return { table: op.TableName, key, id: `${op.TableName}|${JSON.stringify(key)}` };
      }),
    );
    if (new Set(targets.map((t) => t.id)).size !== targets.length) {
      throw new TransactionFailure(
        400,
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
      );
    }

    const undo: { table: string; key: Item; old: Item | undefined }[] = [];
    const reasons: { Code: string; Message?: string }[] = [];
    for (const [i, entry] of items.entries()) {
      const { table, key } = targets[i];
      const condition = (op: Expression) => ({
        ConditionExpression: op.ConditionExpression,
        ExpressionAttributeNames: op.ExpressionAttributeNames,
        ExpressionAttributeValues: op.ExpressionAttributeValues,
      });
      try {
        if (entry.Put) {
          const r = await internal.send(
            new PutItemCommand({
              TableName: table,
              Item: entry.Put.Item,
              ...condition(entry.Put),
              ReturnValues: "ALL_OLD",
            }),
          );
          undo.push({ table, key, old: r.Attributes });
        } else if (entry.Update) {
          const r = await internal.send(
            new UpdateItemCommand({
              TableName: table,
              Key: key,
              UpdateExpression: entry.Update.UpdateExpression,
              ...condition(entry.Update),
              ReturnValues: "ALL_OLD",
            }),
          );
          undo.push({ table, key, old: r.Attributes });
        } else if (entry.Delete) {
          const r = await internal.send(
            new DeleteItemCommand({
              TableName: table,
              Key: key,
              ...condition(entry.Delete),
              ReturnValues: "ALL_OLD",
            }),
          );
          undo.push({ table, key, old: r.Attributes });
        } else if (entry.ConditionCheck) {
          // Rewrite the current image (or the bare key) under the condition: dynalite evaluates it.
          const current = await internal.send(
            new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
          );
          await internal.send(
            new PutItemCommand({
              TableName: table,
              Item: current.Item ?? key,
              ...condition(entry.ConditionCheck),
            }),
          );
          undo.push({ table, key, old: current.Item });
        }
        reasons.push({ Code: "None" });
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          reasons.push({ Code: "ConditionalCheckFailed", Message: "The conditional request failed" });
        } else {
          reasons.push({
            Code: "ValidationError",
            Message: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    if (reasons.some((r) => r.Code !== "None")) {
      for (const { table, key, old } of undo.reverse()) {
        if (old) await internal.send(new PutItemCommand({ TableName: table, Item: old }));
        else await internal.send(new DeleteItemCommand({ TableName: table, Key: key }));
      }
      throw new TransactionFailure(
        400,
        "TransactionCanceledException",
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        { CancellationReasons: reasons },
      );
    }
    if (token) tokens.set(token, { hash, at: Date.now() });
    return {};
  };

  const front: Server = createServer((req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target.endsWith(".TransactWriteItems")) {
      void lock.write(async () => {
        try {
          const body = JSON.parse(await readBody(req));
          const result = await transactWrite(body);
          res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify(result));
        } catch (error) {
          const failure =
            error instanceof TransactionFailure
              ? error
              : new TransactionFailure(
                  500,
                  "InternalServerError",
                  error instanceof Error ? error.message : String(error),
                );
          res.writeHead(failure.status, { "Content-Type": "application/x-amz-json-1.0" });
          res.end(
            JSON.stringify({
              __type: `com.amazonaws.dynamodb.v20120810#${failure.type}`,
              message: failure.message,
              ...failure.extra,
            }),
          );
        }
      });
      return;
    }
    if (target.endsWith(".TransactGetItems")) {
      res.writeHead(400, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(
        JSON.stringify({
          __type: "com.amazon.coral.validate#UnknownOperationException",
          message: "TransactGetItems is not supported locally",
        }),
      );
      return;
    }
    void lock.read(
      () =>
        new Promise<void>((resolve) => {
          res.on("close", resolve);
          delegate(req, res);
        }),
    );
  });
  front.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (front.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: async () => {
      internal.destroy();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}
