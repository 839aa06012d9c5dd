/**
 * Local DynamoDB: dynalite (the DynamoDB API on LevelDB, in memory by default) behind a front that
 * adds TransactWriteItems (transactions.ts), which dynalite does not implement, and a change feed
 * standing in for DynamoDB Streams (change-feed.ts).
 *
 * Transactions run under an exclusive lock while every other operation holds a shared one, so no
 * read or write can observe or interleave with a half-applied transaction.
 */
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { readBody } from "../runtime/read-body";
import { internalDynamoDbClient } from "./internal-client";
import { ChangeFeed, changesOf, READ_CHANGES_TARGET, type Change, type StreamItem } from "./change-feed";
import { ReadWriteLock } from "./rw-lock";
import { imageKey, TransactionExecutor, TransactionFailure, type TransactWriteRequest } from "./transactions";

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
  /** Called if the database stops without close() (its process died); in-process ones never do. */
  onUnexpectedExit?(listener: (reason: string) => void): void;
  /** The process id of a database in its own process. */
  readonly pid?: number;
}

export interface LocalDynamoDbOptions {
  /** LevelDB directory that keeps data between runs; in memory when omitted. */
  readonly dataDir?: string;
  /** Tables whose change records carry the item's new image (a stream with the NEW_IMAGE view). */
  readonly streamTables?: readonly string[];
  readonly port?: number;
  readonly host?: string;
}

const JSON_CONTENT = { "Content-Type": "application/x-amz-json-1.0" };

function sendFailure(res: ServerResponse, failure: TransactionFailure): void {
  res.writeHead(failure.status, JSON_CONTENT);
  res.end(
    JSON.stringify({
      __type: `com.amazonaws.dynamodb.v20120810#${failure.type}`,
      message: failure.message,
      ...failure.extra,
    }),
  );
}

async function handleTransaction(
  req: IncomingMessage,
  res: ServerResponse,
  executor: TransactionExecutor,
  record: Recorder,
) {
  try {
    const request = JSON.parse(await readBody(req)) as TransactWriteRequest;
    const { response: result, newImages } = await executor.transactWrite(request);
    for (const entry of request.TransactItems ?? []) {
      if (entry.Put) record({ table: entry.Put.TableName, keys: entry.Put.Item, put: true });
      if (entry.Update) {
        const { TableName: table, Key: keys } = entry.Update;
        const imageAt = imageKey(table, keys);
        record({ table, keys, put: false }, newImages.get(imageAt));
      }
    }
    res.writeHead(200, JSON_CONTENT);
    res.end(JSON.stringify(result));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sendFailure(
      res,
      error instanceof TransactionFailure
        ? error
        : new TransactionFailure(500, "InternalServerError", message),
    );
  }
}

/** A stream reader's long poll: `{"after": <seq>, "waitMs": <ms>}` → the records after it. */
async function handleReadChanges(req: IncomingMessage, res: ServerResponse, feed: ChangeFeed) {
  const { after = 0, waitMs = 0 } = JSON.parse((await readBody(req)) || "{}") as {
    after?: number;
    waitMs?: number;
  };
  const page = await feed.read(after, Math.min(waitMs, 20_000));
  res.writeHead(200, JSON_CONTENT);
  res.end(JSON.stringify(page));
}

/**
 * Records one successful write in the change feed (with its new image for a streamed table); an
 * image the caller already read is passed in, so it is not read again.
 */
type Recorder = (change: Change, knownImage?: StreamItem) => void;

/**
 * The change feed's recorder: a put's image is the item it wrote; an update's is read back here,
 * in the database's own process, right after the write, so no reader has to read it back.
 */
function recorder(
  feed: ChangeFeed,
  internal: Pick<DynamoDBClient, "send">,
  streamTables: ReadonlySet<string>,
): Recorder {
  return ({ table, keys, put }, knownImage) => {
    if (!streamTables.has(table)) return feed.append(table, keys);
    if (put) return feed.append(table, keys, keys);
    if (knownImage) return feed.append(table, keys, knownImage);
    // Settled here, never rejected: a record nobody reads yet must not leave an unhandled rejection
    // (the process is closing, say); a record without its image is read back by its reader.
    const image = internal
      .send(new GetItemCommand({ TableName: table, Key: keys, ConsistentRead: true }))
      .then(
        (read) => read.Item,
        () => undefined,
      );
    feed.append(table, keys, image);
  };
}

/** Passes a request to dynalite, recording the writes it made in the change feed once it succeeds. */
function delegateRecording(
  delegate: (req: IncomingMessage, res: ServerResponse) => void,
  record: Recorder,
  target: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!/\.(PutItem|UpdateItem|BatchWriteItem)$/.test(target)) return delegate(req, res);
  const chunks: Buffer[] = [];
  // A second listener sees the same chunks dynalite reads.
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  res.on("finish", () => {
    if (res.statusCode !== 200) return;
    for (const change of changesOf(target, JSON.parse(Buffer.concat(chunks).toString("utf8"))))
      record(change);
  });
  delegate(req, res);
}

/** The front: transactions under the write lock, everything else passed to dynalite under a read lock. */
function frontServer(
  delegate: (req: IncomingMessage, res: ServerResponse) => void,
  executor: TransactionExecutor,
  feed: ChangeFeed,
  record: Recorder,
): Server {
  const lock = new ReadWriteLock();
  return createServer((req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target === READ_CHANGES_TARGET) {
      // A reader that went away (the outbox stopping) is no fault of the database's.
      handleReadChanges(req, res, feed).catch(() => res.destroy());
    } else if (target.endsWith(".TransactWriteItems")) {
      void lock.write(() => handleTransaction(req, res, executor, record));
    } else if (target.endsWith(".TransactGetItems")) {
      res.writeHead(400, JSON_CONTENT);
      res.end(
        JSON.stringify({
          __type: "com.amazon.coral.validate#UnknownOperationException",
          message: "TransactGetItems is not supported locally",
        }),
      );
    } else {
      void lock.read(
        () =>
          new Promise<void>((resolve) => {
            res.on("close", resolve);
            delegateRecording(delegate, record, target, req, res);
          }),
      );
    }
  });
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? "127.0.0.1";
  const backend = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const delegate = backend.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
  // The transaction executor talks to dynalite directly (it already holds the exclusive lock).
  await new Promise<void>((resolve) => backend.listen(0, host, resolve));
  const internal = internalDynamoDbClient(`http://${host}:${(backend.address() as AddressInfo).port}`);
  const feed = new ChangeFeed();
  const executor = new TransactionExecutor(
    internal,
    options.dataDir ? join(options.dataDir, "transaction-in-progress.json") : undefined,
  );
  await executor.recover();
  const record = recorder(feed, internal, new Set(options.streamTables ?? []));
  const front = frontServer(delegate, executor, feed, record);
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
      feed.close();
      internal.destroy();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}
