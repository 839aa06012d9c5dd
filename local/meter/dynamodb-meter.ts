/**
 * The DynamoDB meter: a pass-through in front of the local database that every billed caller (the
 * functions, the workflow's DynamoDB task) talks to. It asks for ReturnConsumedCapacity on each data
 * call, records the read and write units DynamoDB would bill, and hands the caller the answer it
 * would have had without asking. Control-plane calls (CreateTable, DescribeTable) are not billed.
 * With local IAM on, it is also where each request is authorized against its signer's role.
 */
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
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

/** Keep-alive connections to the database: one proxy hop per call costs no new connection. */
const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 128 });

/** Sends the caller's request on to the database and reads the whole answer (node:http: cheaper than fetch per call). */
function forward(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const upstreamRequest = request(
      url,
      {
        method,
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        agent: upstreamAgent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 500,
            headers: response.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    upstreamRequest.on("error", reject);
    upstreamRequest.end(method === "GET" ? undefined : body);
  });
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
      // Parsed once, for IAM and for the bill.
      const request = authorize || billed ? (JSON.parse(raw || "{}") as Record<string, unknown>) : {};
      if (authorize) {
        const denied = authorize(req.headers, { operation, body: request });
        if (denied) return refuse(res, denied);
      }
      const askedByCaller = ["TOTAL", "INDEXES"].includes(String(request.ReturnConsumedCapacity));
      const body =
        billed && !askedByCaller ? JSON.stringify({ ...request, ReturnConsumedCapacity: "TOTAL" }) : raw;
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !["host", "content-length", "connection"].includes(name),
        ),
      ) as Record<string, string>;
      const upstreamResponse = await forward(
        `${upstream()}${req.url ?? "/"}`,
        req.method ?? "POST",
        headers,
        body,
      );
      let text = upstreamResponse.text;
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
      const requestId = upstreamResponse.headers["x-amzn-requestid"];
      res.writeHead(upstreamResponse.status, {
        "Content-Type": String(upstreamResponse.headers["content-type"] ?? "application/x-amz-json-1.0"),
        ...(requestId ? { "x-amzn-RequestId": String(requestId) } : {}),
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
