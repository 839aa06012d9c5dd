/**
 * How a local stream consumer (the outbox pipe, the order events' mappings) reads the change feed:
 * one long poll of the local DynamoDB front per page (node:http over a kept connection: it runs for
 * every page), and the loop that hands each page on until the consumer stops, waiting out a
 * database restart.
 */
import { request, type Agent } from "node:http";
import { READ_CHANGES_TARGET, type ChangePage } from "./change-feed";

/** The records after `after`, waiting up to `waitMs` for the first one. */
export function readChanges(
  endpoint: string,
  agent: Agent,
  after: number,
  waitMs: number,
  signal?: AbortSignal,
): Promise<ChangePage> {
  const body = JSON.stringify({ after, waitMs });
  return new Promise((resolve, reject) => {
    const req = request(
      endpoint,
      {
        method: "POST",
        agent,
        signal,
        headers: {
          "X-Amz-Target": READ_CHANGES_TARGET,
          "Content-Type": "application/x-amz-json-1.0",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChangePage);
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** How long one read of the feed waits for a new record. */
export const POLL_WAIT_MS = 500;

/** Reads page after page and hands each on, until `signal` aborts; a failed read is a restarting database. */
export async function followChanges(
  read: (waitMs: number) => Promise<ChangePage>,
  handle: (page: ChangePage) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    let page: ChangePage;
    try {
      page = await read(POLL_WAIT_MS);
    } catch {
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 200)); // the database is restarting
      continue;
    }
    await handle(page);
  }
}
