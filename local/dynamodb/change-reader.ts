/**
 * How a local stream consumer (the outbox pipe, the order events' mappings) reads the change feed:
 * one long poll of the local DynamoDB front per page (node:http over a kept connection: it runs for
 * every page), and the loop that hands each page on until the consumer stops, waiting out a
 * database restart.
 */
import { Agent, request } from "node:http";
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

/**
 * A reader of the change feed (a stream's consumer): where it is in the feed, its reading loop, when
 * it is idle, and its stop, which first hands on what the feed already holds. A subclass says what a
 * page means (`handle`, calling `advance` first) and whether it is still working on one.
 */
export abstract class ChangeFeedConsumer {
  protected readonly stopping = new AbortController();
  /** The database process whose feed is read: a new one numbers its records from 1 again. */
  protected epoch = "";
  private after = 0;
  private running: Promise<void> = Promise.resolve();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });

  constructor(private readonly endpoint: string) {}

  /** Starts reading: called by the subclass's constructor once its own fields are set. */
  protected start(): void {
    this.running = followChanges(
      (waitMs) => this.read(waitMs),
      (page) => this.handle(page),
      this.stopping.signal,
    );
  }

  protected abstract handle(page: ChangePage): Promise<void>;

  /** Whether a page is still being handed on. */
  protected abstract working(): boolean;

  /** Moves past the page's records (from 0 again after a database restart). */
  protected advance(page: ChangePage): void {
    if (page.epoch !== this.epoch) [this.epoch, this.after] = [page.epoch, 0];
    this.after = page.records.at(-1)?.seq ?? this.after;
  }

  /** True when every change recorded so far has been read and handed on. */
  async isIdle(): Promise<boolean> {
    if (this.working()) return false;
    const page = await this.read(0).catch(() => undefined);
    return page !== undefined && page.epoch === this.epoch && page.records.length === 0;
  }

  /** Stops reading, after handing on what the feed already holds. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running.catch(() => undefined);
    for (let page = await this.read(0, false).catch(() => undefined); page?.records.length;) {
      await this.handle(page);
      page = await this.read(0, false).catch(() => undefined);
    }
    this.agent.destroy();
  }

  private read(waitMs: number, abortable = true): Promise<ChangePage> {
    const signal = abortable ? this.stopping.signal : undefined;
    return readChanges(this.endpoint, this.agent, this.after, waitMs, signal);
  }
}
