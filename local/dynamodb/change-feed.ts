/**
 * The local twin of a DynamoDB stream: every successful write through the local DynamoDB front is
 * recorded (table and item or key, in order), and readers long-poll for what came after the last
 * record they saw. In memory: records do not outlive the database process, which is why the
 * runtime resumes unfinished orders on start (see local/pipes/recovery.ts).
 */
import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type StreamItem = Record<string, AttributeValue>;

export interface ChangeRecord {
  readonly seq: number;
  readonly table: string;
  /** The written item (Put) or its key (Update): either carries the key attributes. */
  readonly keys: StreamItem;
  /**
   * The item as the write left it, for a table whose stream carries new images (as a DynamoDB
   * stream with the NEW_IMAGE view): readers need no read-back.
   */
  readonly newImage?: StreamItem;
}

/** A record as kept: its image may still be being read when the record is appended. */
interface PendingRecord extends Omit<ChangeRecord, "newImage"> {
  readonly newImage?: Promise<StreamItem | undefined> | StreamItem;
}

export interface ChangePage {
  /** Changes when the feed restarts (a new database process): readers start again from 0. */
  readonly epoch: string;
  readonly records: readonly ChangeRecord[];
}

/** The target a reader sends to the local DynamoDB endpoint. */
export const READ_CHANGES_TARGET = "LocalStreams.ReadChanges";

/** Records kept for readers at least; older ones are dropped (a DynamoDB stream keeps 24 hours). */
const RETAINED = 20_000;

export class ChangeFeed {
  readonly epoch = randomUUID();
  /** In sequence order without gaps: records[i].seq is records[0].seq + i. */
  private records: PendingRecord[] = [];
  private seq = 0;
  private waiters: (() => void)[] = [];

  /**
   * @param retained records kept for readers at least; up to a quarter more are kept between trims,
   *   so a write does not copy the whole feed (dropping the oldest one at a time would).
   */
  constructor(private readonly retained = RETAINED) {}

  /** Records a write in order; its new image, when given, may arrive later (it is awaited by readers). */
  append(table: string, keys: StreamItem, newImage?: Promise<StreamItem | undefined> | StreamItem): void {
    this.records.push({ seq: ++this.seq, table, keys, ...(newImage ? { newImage } : {}) });
    if (this.records.length > this.retained + Math.ceil(this.retained / 4)) {
      this.records.splice(0, this.records.length - this.retained);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Records after `after`, waiting up to `waitMs` for the first one. */
  async read(after: number, waitMs: number): Promise<ChangePage> {
    if (this.seq <= after && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // Sequence numbers have no gaps, so the first record after `after` is found by arithmetic.
    const first = this.records[0]?.seq ?? this.seq + 1;
    const pending = this.records.slice(Math.max(0, after - first + 1));
    const records = await Promise.all(
      pending.map(async ({ newImage, ...record }): Promise<ChangeRecord> => {
        const image = await Promise.resolve(newImage).catch(() => undefined);
        return image ? { ...record, newImage: image } : record;
      }),
    );
    return { epoch: this.epoch, records };
  }

  /** Wakes every waiting reader (the database is closing). */
  close(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

type WriteRequest = {
  TableName?: string;
  Item?: StreamItem;
  Key?: StreamItem;
  RequestItems?: Record<string, { PutRequest?: { Item: StreamItem } }[]>;
};

/** One write: its table, the item (a put: its whole new image) or the key (an update). */
export interface Change {
  readonly table: string;
  readonly keys: StreamItem;
  /** A put writes the whole item: its new image is known without a read. */
  readonly put: boolean;
}

/** The changes one successful single-item or batch write made (deletes are not streamed here). */
export function changesOf(target: string, body: WriteRequest): Change[] {
  const operation = target.slice(target.lastIndexOf(".") + 1);
  if ((operation === "PutItem" || operation === "UpdateItem") && body.TableName) {
    const keys = body.Item ?? body.Key;
    return keys ? [{ table: body.TableName, keys, put: operation === "PutItem" }] : [];
  }
  if (operation === "BatchWriteItem") {
    return Object.entries(body.RequestItems ?? {}).flatMap(([table, requests]) =>
      requests.flatMap((r) => (r.PutRequest ? [{ table, keys: r.PutRequest.Item, put: true }] : [])),
    );
  }
  return [];
}
