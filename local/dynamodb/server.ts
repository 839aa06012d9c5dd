/**
 * Local DynamoDB: dynalite (the DynamoDB API on LevelDB, in memory by default) behind a front that
 * adds TransactWriteItems (transactions.ts), which dynalite does not implement, and a change feed
 * standing in for DynamoDB Streams (change-feed.ts).
 *
 * Transactions run under an exclusive lock while every other operation holds a shared one, so no
 * read or write can observe or interleave with a half-applied transaction.
 */
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { readBody } from "../runtime/read-body";
import { accessDeniedBody, Billing, type BillingPort, type DatabaseAnswer } from "./billing";
import { callDynalite, internalDynamoDbClient } from "./internal-client";
import { ChangeFeed, changesOf, READ_CHANGES_TARGET, type Change, type StreamItem } from "./change-feed";
import { ReadWriteLock } from "./rw-lock";
import { imageKey, TransactionExecutor, TransactionFailure, type TransactWriteRequest } from "./transactions";

export interface LocalDynamoDb {
  /** The runtime's own endpoint: neither billed nor authorized. */
  readonly endpoint: string;
  readonly port: number;
  /** Where billed callers (the functions, the workflow) send requests: authorized and metered. */
  readonly billedEndpoint?: string;
  readonly billedPort?: number;
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
  /** Opens the billed endpoint (billing.ts), on `billedPort` when given. */
  readonly billing?: BillingPort;
  readonly billedPort?: number;
}

const JSON_CONTENT = { "Content-Type": "application/x-amz-json-1.0" };

/** A transaction under the write lock's hold: its answer, with its writes recorded in the change feed. */
async function transact(
  body: string,
  parsed: Record<string, unknown> | undefined,
  executor: TransactionExecutor,
  record: Recorder,
): Promise<DatabaseAnswer> {
  try {
    const request = (parsed ?? JSON.parse(body)) as TransactWriteRequest;
    const { response: result, newImages } = await executor.transactWrite(request);
    for (const entry of request.TransactItems ?? []) {
      if (entry.Put) record({ table: entry.Put.TableName, keys: entry.Put.Item, put: true });
      if (entry.Update) {
        const { TableName: table, Key: keys } = entry.Update;
        const imageAt = imageKey(table, keys);
        record({ table, keys, put: false }, newImages.get(imageAt));
      }
    }
    const answer = { ...result };
    return { status: 200, text: JSON.stringify(answer), body: answer };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const failure =
      error instanceof TransactionFailure
        ? error
        : new TransactionFailure(500, "InternalServerError", message);
    const answer = {
      __type: `com.amazonaws.dynamodb.v20120810#${failure.type}`,
      message: failure.message,
      ...failure.extra,
    };
    return { status: failure.status, text: JSON.stringify(answer), body: answer };
  }
}

function send(res: ServerResponse, answer: DatabaseAnswer): void {
  res.writeHead(answer.status, {
    ...JSON_CONTENT,
    ...(answer.requestId ? { "x-amzn-RequestId": answer.requestId } : {}),
  });
  res.end(answer.text);
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
 * The change feed's recorder: a put's image is the item it wrote; an update's comes with its write
 * (billed calls, below) or is read back here, in the database's own process, right after the write,
 * so no reader has to read it back.
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

type Delegate = (req: IncomingMessage, res: ServerResponse) => void;

/** What both endpoints share: dynalite, the transaction executor, the change feed and the lock. */
interface Front {
  readonly delegate: Delegate;
  readonly executor: TransactionExecutor;
  readonly feed: ChangeFeed;
  readonly record: Recorder;
  readonly lock: ReadWriteLock;
  /** Tables whose change records carry new images. */
  readonly streamTables: ReadonlySet<string>;
}

/** Transactions: the front's own (TransactWriteItems) and the one it refuses (TransactGetItems). */
const TRANSACTIONS = /\.Transact(Write|Get)Items$/;

/** The writes the change feed records from a request's body (transactions record their own). */
const RECORDED_WRITES = /\.(PutItem|UpdateItem|BatchWriteItem)$/;

const TRANSACT_GET_UNSUPPORTED: DatabaseAnswer = {
  status: 400,
  text: JSON.stringify({
    __type: "com.amazon.coral.validate#UnknownOperationException",
    message: "TransactGetItems is not supported locally",
  }),
};

/** Passes a request to dynalite, recording the writes it made in the change feed once it succeeds. */
function delegateRecording(front: Front, target: string, req: IncomingMessage, res: ServerResponse): void {
  if (!RECORDED_WRITES.test(target)) return front.delegate(req, res);
  const chunks: Buffer[] = [];
  // A second listener sees the same chunks dynalite reads.
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  res.on("finish", () => {
    if (res.statusCode !== 200) return;
    for (const change of changesOf(target, JSON.parse(Buffer.concat(chunks).toString("utf8"))))
      front.record(change);
  });
  front.delegate(req, res);
}

/** What an UpdateItem may ask back that its new image can answer (ALL_NEW is the image itself). */
const ANSWERABLE_FROM_IMAGE = new Set([undefined, "NONE", "ALL_NEW"]);

/**
 * An update of a streamed table, asking dynalite for the item it leaves (ReturnValues ALL_NEW) so
 * its change record carries its own write's image, as a stream record does, without a second call
 * to read it back. The caller gets the answer it asked for: without the image unless it asked for
 * ALL_NEW. Undefined when the update is not of that kind (it asked for old or updated attributes).
 */
async function updateWithImage(
  front: Front,
  headers: IncomingHttpHeaders,
  request: Record<string, unknown>,
): Promise<DatabaseAnswer | undefined> {
  const { TableName: table, Key: keys, ReturnValues: asked } = request as UpdateRequest;
  if (!table || !keys || !front.streamTables.has(table) || !ANSWERABLE_FROM_IMAGE.has(asked)) {
    return undefined;
  }
  const sent = JSON.stringify({ ...request, ReturnValues: "ALL_NEW" });
  const answer = await callDynalite(front.delegate, headers, sent);
  if (answer.status !== 200) return answer;
  const result = JSON.parse(answer.text) as { Attributes?: StreamItem };
  front.record({ table, keys, put: false }, result.Attributes);
  if (asked === "ALL_NEW") return { ...answer, body: result };
  delete result.Attributes;
  return { ...answer, text: JSON.stringify(result), body: result };
}

interface UpdateRequest {
  readonly TableName?: string;
  readonly Key?: StreamItem;
  readonly ReturnValues?: string;
}

/**
 * One DynamoDB call with its body in hand, under the lock as the front takes it; `parsed` is the
 * object the body encodes when the caller has already parsed it (the billed endpoint).
 */
function call(
  front: Front,
  target: string,
  headers: IncomingHttpHeaders,
  body: string,
  parsed?: Record<string, unknown>,
): Promise<DatabaseAnswer> {
  if (target.endsWith(".TransactWriteItems")) {
    return front.lock.write(() => transact(body, parsed, front.executor, front.record));
  }
  if (target.endsWith(".TransactGetItems")) return Promise.resolve(TRANSACT_GET_UNSUPPORTED);
  return front.lock.read(async () => {
    if (target.endsWith(".UpdateItem")) {
      const answered = await updateWithImage(front, headers, parsed ?? JSON.parse(body));
      if (answered) return answered;
    }
    const answer = await callDynalite(front.delegate, headers, body);
    if (answer.status === 200 && RECORDED_WRITES.test(target)) {
      for (const change of changesOf(target, parsed ?? JSON.parse(body))) front.record(change);
    }
    return answer;
  });
}

/** The front: transactions under the write lock, everything else passed to dynalite under a read lock. */
function frontServer(front: Front): Server {
  return createServer((req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target === READ_CHANGES_TARGET) {
      // A reader that went away (the outbox stopping) is no fault of the database's.
      handleReadChanges(req, res, front.feed).catch(() => res.destroy());
    } else if (TRANSACTIONS.test(target)) {
      // A caller that went away before sending its whole request is no fault of the database's.
      readBody(req)
        .then((body) => call(front, target, req.headers, body))
        .then((answer) => send(res, answer))
        .catch(() => res.destroy());
    } else {
      void front.lock.read(
        () =>
          new Promise<void>((resolve) => {
            res.on("close", resolve);
            delegateRecording(front, target, req, res);
          }),
      );
    }
  });
}

/**
 * The billed endpoint: each request authorized and metered (billing.ts), then served as the front
 * serves it. A request that cannot be read or served resets its connection, as an unreachable
 * database would; the SDK retries it.
 */
function billedServer(front: Front, billing: Billing): Server {
  return createServer((req, res) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const raw = await readBody(req);
      const request = {
        operation: target.split(".")[1] ?? "",
        raw,
        body: JSON.parse(raw || "{}") as Record<string, unknown>,
      };
      const denied = await billing.denial(req.headers, request);
      if (denied) return send(res, { status: 400, text: accessDeniedBody(denied) });
      const sent = billing.bodyToSend(request);
      const answer = await call(front, target, req.headers, sent.text, sent.body);
      send(res, { ...answer, text: billing.billed(request, sent, answer) });
    })().catch(() => {
      if (!res.headersSent) req.socket.resetAndDestroy();
    });
  });
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? "127.0.0.1";
  const backend = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite's request listener, called in this process. Its server still listens (on loopback,
  // unused): its close() closes the LevelDB store only after closing a listening server.
  const delegate = backend.listeners("request")[0] as Delegate;
  await new Promise<void>((resolve) => backend.listen(0, host, resolve));
  // The transaction executor talks to dynalite directly (it already holds the exclusive lock).
  const internal = internalDynamoDbClient(delegate);
  const feed = new ChangeFeed();
  const executor = new TransactionExecutor(
    internal,
    options.dataDir ? join(options.dataDir, "transaction-in-progress.json") : undefined,
  );
  await executor.recover();
  const streamTables = new Set(options.streamTables ?? []);
  const record = recorder(feed, internal, streamTables);
  const shared: Front = { delegate, executor, feed, record, lock: new ReadWriteLock(), streamTables };
  const servers = [frontServer(shared)];
  const port = await listen(servers[0], options.port ?? 0, host);
  let billedPort: number | undefined;
  if (options.billing) {
    servers.push(billedServer(shared, new Billing(options.billing)));
    billedPort = await listen(servers[1], options.billedPort ?? 0, host);
  }
  return {
    endpoint: `http://${host}:${port}`,
    port,
    ...(billedPort === undefined ? {} : { billedEndpoint: `http://${host}:${billedPort}`, billedPort }),
    close: async () => {
      feed.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}
