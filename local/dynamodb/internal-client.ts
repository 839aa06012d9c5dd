/**
 * The database process's own client of dynalite (the transaction executor's single-item calls and
 * the change feed's new images): the DynamoDB JSON protocol handed to dynalite's request listener in
 * this process, without the SDK's middleware, retries and request signing, or a socket. dynalite
 * checks only that a request looks signed, and these calls never leave the process, so signing
 * each one was the database process's largest cost, and then the loopback HTTP it went over (CPU
 * profiles of `npm run bench:local`). Errors are the SDK's own
 * exception classes, so callers handle them exactly as they would the SDK's. The functions keep
 * the real SDK: this is the emulator's plumbing, not a path the deployed code takes.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { DatabaseAnswer } from "./billing";

/** A well-formed SigV4 header: dynalite checks the shape, not the signature. */
const AUTHORIZATION =
  "AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";

/** An SDK command as far as this client needs it: its class names the operation. */
interface Command {
  readonly input: unknown;
  readonly constructor: { readonly name: string };
}

function failure(status: number, body: { __type?: string; message?: string; Message?: string }): Error {
  const name = (body.__type ?? "InternalServerError").split("#").pop()!;
  const message = body.message ?? body.Message ?? name;
  const $metadata = { httpStatusCode: status };
  if (name === "ConditionalCheckFailedException")
    return new ConditionalCheckFailedException({ message, $metadata });
  return new DynamoDBServiceException({
    name,
    message,
    $metadata,
    $fault: status < 500 ? "client" : "server",
  });
}

type Delegate = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * One request to dynalite with its body in hand, in this process: dynalite's request listener with
 * a request that replays the body and a response that keeps the answer (its status, body and
 * request id; not its CRC32 header, which a changed body would no longer match).
 */
export function callDynalite(
  delegate: Delegate,
  headers: IncomingHttpHeaders,
  body: string,
): Promise<DatabaseAnswer> {
  return new Promise((resolve) => {
    const req = Object.assign(new EventEmitter(), { headers, method: "POST", url: "/" });
    const kept: Record<string, string> = {};
    const res = {
      statusCode: 200,
      setHeader: (name: string, value: unknown) => void (kept[name.toLowerCase()] = String(value)),
      end: (text?: string) =>
        resolve({ status: res.statusCode, text: text ?? "", requestId: kept["x-amzn-requestid"] }),
    };
    delegate(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    req.emit("data", Buffer.from(body));
    req.emit("end");
  });
}

/** A client with the SDK client's `send` for the commands the executor and the feed use. */
export function internalDynamoDbClient(delegate: Delegate): Pick<DynamoDBClient, "send"> {
  const send = async (command: Command) => {
    const operation = command.constructor.name.replace(/Command$/, "");
    const answer = await callDynalite(
      delegate,
      {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `DynamoDB_20120810.${operation}`,
        "x-amz-date": "20260101T000000Z",
        authorization: AUTHORIZATION,
      },
      JSON.stringify(command.input),
    );
    const parsed = (answer.text ? JSON.parse(answer.text) : {}) as Record<string, unknown>;
    if (answer.status !== 200) throw failure(answer.status, parsed);
    return parsed;
  };
  return { send: send as unknown as DynamoDBClient["send"] };
}
