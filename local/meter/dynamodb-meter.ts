/**
 * The DynamoDB meter: a pass-through in front of the local database that every billed caller (the
 * functions, the workflow's DynamoDB task) talks to. It asks for ReturnConsumedCapacity on each data
 * call, records the read and write units DynamoDB would bill, and hands the caller the answer it
 * would have had without asking. Control-plane calls (CreateTable, DescribeTable) are not billed.
 * With local IAM on, it is also where each request is authorized against its signer's role.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../runtime/read-body";
import type { Meter } from "./meter";
import type { LocalService } from "../runtime/service";

const READS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

interface Consumed {
  readonly CapacityUnits?: number;
}

/** The units an answer reports; a refused write still costs a write unit per item it touched. */
function unitsOf(status: number, answer: Record<string, unknown>, request: Record<string, unknown>) {
  const consumed = answer.ConsumedCapacity as Consumed | Consumed[] | undefined;
  const reported = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  if (status === 200 || reported > 0) return reported;
  const type = String(answer.__type ?? "");
  if (type.endsWith("ConditionalCheckFailedException")) return 1;
  if (type.endsWith("TransactionCanceledException"))
    return 2 * ((request.TransactItems as unknown[])?.length ?? 1);
  return 0;
}

export interface DynamoDbMeter extends LocalService {
  /** Where billed callers send DynamoDB requests. */
  readonly endpoint: string;
}

/** Local IAM's answer for a signed request: the AccessDeniedException to return, or undefined. */
export type DynamoDbAuthorizer = (
  headers: IncomingHttpHeaders,
  request: { operation: string; body: Record<string, unknown> },
) => Error | undefined;

/** A denied request, answered as DynamoDB answers it (400, AccessDeniedException); nothing is billed. */
function refuse(res: ServerResponse, denied: Error): void {
  const body = JSON.stringify({
    __type: "com.amazon.coral.service#AccessDeniedException",
    Message: denied.message,
  });
  res.writeHead(400, {
    "Content-Type": "application/x-amz-json-1.0",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * @param upstream the database's endpoint now (it can change when a dead database is restarted)
 * @param authorize local IAM, checking each request before it reaches the database (none with --no-iam)
 */
export async function startDynamoDbMeter(
  upstream: () => string,
  meter: Meter,
  authorize?: DynamoDbAuthorizer,
): Promise<DynamoDbMeter> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.split(".")[1] ?? "";
      const billed = READS.has(operation) || WRITES.has(operation);
      const raw = await readBody(req);
      if (authorize) {
        const denied = authorize(req.headers, {
          operation,
          body: JSON.parse(raw || "{}") as Record<string, unknown>,
        });
        if (denied) return refuse(res, denied);
      }
      let body = raw;
      let request: Record<string, unknown> = {};
      const askedByCaller = () => ["TOTAL", "INDEXES"].includes(String(request.ReturnConsumedCapacity));
      if (billed) {
        request = JSON.parse(raw || "{}") as Record<string, unknown>;
        if (!askedByCaller()) body = JSON.stringify({ ...request, ReturnConsumedCapacity: "TOTAL" });
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !["host", "content-length", "connection"].includes(name),
        ),
      ) as Record<string, string>;
      const upstreamResponse = await fetch(`${upstream()}${req.url ?? "/"}`, {
        method: req.method,
        headers,
        body: req.method === "GET" ? undefined : body,
      });
      let text = await upstreamResponse.text();
      if (billed) {
        const answer = JSON.parse(text || "{}") as Record<string, unknown>;
        const units = unitsOf(upstreamResponse.status, answer, request);
        meter.record(
          "DynamoDB",
          operation,
          READS.has(operation) ? { readUnits: units } : { writeUnits: units },
        );
        if (body !== raw && "ConsumedCapacity" in answer) {
          delete answer.ConsumedCapacity;
          text = JSON.stringify(answer);
        }
      }
      res.writeHead(upstreamResponse.status, {
        "Content-Type": upstreamResponse.headers.get("content-type") ?? "application/x-amz-json-1.0",
        ...(upstreamResponse.headers.get("x-amzn-requestid")
          ? { "x-amzn-RequestId": upstreamResponse.headers.get("x-amzn-requestid")! }
          : {}),
      });
      res.end(text);
    })().catch(() => {
      // The database is unreachable (restarting): the caller sees the connection reset, as it would
      // talking to the database itself, and retries it as a dependency that could not be reached.
      if (!res.headersSent) req.socket.resetAndDestroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    name: "dynamodb-meter",
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
