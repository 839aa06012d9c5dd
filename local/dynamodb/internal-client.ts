/**
 * The database process's own client of dynalite (the transaction executor's single-item calls and
 * the change feed's new images): the DynamoDB JSON protocol over one keep-alive connection pool,
 * without the SDK's middleware, retries and request signing. dynalite checks only that a request
 * looks signed, and these calls never leave the process, so signing each one was the database
 * process's largest cost (a CPU profile of `npm run bench:local`). Errors are the SDK's own
 * exception classes, so callers handle them exactly as they would the SDK's. The functions keep
 * the real SDK: this is the emulator's plumbing, not a path the deployed code takes.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { Agent, request } from "node:http";

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

/** A client with the SDK client's `send` for the commands the executor and the feed use. */
export function internalDynamoDbClient(endpoint: string): Pick<DynamoDBClient, "send" | "destroy"> {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const send = (command: Command) =>
    new Promise<unknown>((resolve, reject) => {
      const operation = command.constructor.name.replace(/Command$/, "");
      const body = JSON.stringify(command.input);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/",
          agent,
          headers: {
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Length": Buffer.byteLength(body),
            "X-Amz-Target": `DynamoDB_20120810.${operation}`,
            "X-Amz-Date": "20260101T000000Z",
            Authorization: AUTHORIZATION,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            // Inside an event handler a throw would end the process: a cut-off answer (the
            // database closing) is this call's error, never the process's.
            let parsed: Record<string, unknown>;
            try {
              const text = Buffer.concat(chunks).toString("utf8");
              parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
            } catch (error) {
              return reject(error as Error);
            }
            if (res.statusCode === 200) resolve(parsed);
            else reject(failure(res.statusCode ?? 500, parsed));
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return { send: send as unknown as DynamoDBClient["send"], destroy: () => agent.destroy() };
}
