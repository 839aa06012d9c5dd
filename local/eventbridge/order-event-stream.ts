/**
 * The local twin of OrderEventsLambda's event source mappings: it reads the local DynamoDB's change
 * feed (the orders and inventory tables' streams) and invokes OrderEvents with each page's records as
 * DynamoDB stream records with both images, as the deployed mappings do (NEW_AND_OLD_IMAGES): the old
 * image is the one the previous record of the same item carried. A batch the function reports as
 * failed is retried from that record, then the record is dead-lettered, as the deployed mapping's
 * retries and on-failure destination do.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { ChangePage, ChangeRecord, StreamItem } from "../dynamodb/change-feed";
import { ChangeFeedConsumer } from "../dynamodb/change-reader";
import type { Invoke } from "../lambda/functions";
import { DurableList } from "../runtime/durable-list";
import { LOCAL_REGION, tableArn } from "../runtime/resources";

export interface OrderEventStreamOptions {
  readonly dynamoDbEndpoint: string;
  /** The streamed tables: their names and partition keys. */
  readonly tables: Readonly<Record<string, string>>;
  readonly publish: Invoke<DynamoDBStreamEvent, DynamoDBBatchResponse>;
  readonly deadLetterPath?: string;
  readonly log: (line: string) => void;
}

/** The deployed mapping's retries of a failing record before its on-failure destination. */
const ATTEMPTS = 4;
/** Old images kept (the newest items'): an item not among them is published as if new (its events again, same ids). */
const IMAGES_KEPT = 20_000;

export class OrderEventStream extends ChangeFeedConsumer {
  private readonly dead: DurableList<{ sequenceNumber: string; table: string; keys: StreamItem }>;
  private readonly images = new Map<string, StreamItem>();
  private busy = false;

  constructor(private readonly options: OrderEventStreamOptions) {
    super(options.dynamoDbEndpoint);
    this.dead = new DurableList(options.deadLetterPath);
    this.start();
  }

  deadLetters() {
    return this.dead.list();
  }

  protected working(): boolean {
    return this.busy;
  }

  /** A stream record as Lambda receives it, its old image the item's previous one. */
  private streamRecord(change: ChangeRecord): DynamoDBRecord | undefined {
    if (!change.newImage) return undefined;
    const partitionKey = this.options.tables[change.table];
    const key = `${change.table}/${JSON.stringify(change.keys[partitionKey])}`;
    const old = this.images.get(key);
    this.images.delete(key);
    this.images.set(key, change.newImage);
    if (this.images.size > IMAGES_KEPT) this.images.delete(this.images.keys().next().value!);
    return {
      eventID: `${this.epoch}-${change.seq}`,
      eventName: old ? "MODIFY" : "INSERT",
      eventSource: "aws:dynamodb",
      eventVersion: "1.1",
      awsRegion: LOCAL_REGION,
      eventSourceARN: `${tableArn(change.table)}/stream/local`,
      dynamodb: {
        Keys: change.keys as never,
        NewImage: change.newImage as never,
        ...(old ? { OldImage: old as never } : {}),
        SequenceNumber: String(change.seq).padStart(21, "0"),
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    };
  }

  protected async handle(page: ChangePage): Promise<void> {
    this.advance(page);
    const records = page.records
      .filter((r) => r.table in this.options.tables)
      .map((r) => this.streamRecord(r))
      .filter((r): r is DynamoDBRecord => r !== undefined);
    if (records.length === 0) return;
    this.busy = true;
    try {
      await this.publish(records);
    } finally {
      this.busy = false;
    }
  }

  /** Invokes the function until every record is published; a record that keeps failing is dead-lettered. */
  private async publish(records: DynamoDBRecord[]): Promise<void> {
    let remaining = records;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      let failedAt: string | undefined;
      try {
        const answer = await this.options.publish({ Records: remaining });
        failedAt = answer?.batchItemFailures?.[0]?.itemIdentifier;
      } catch (error) {
        failedAt = remaining[0].dynamodb?.SequenceNumber;
        this.options.log(`order events: OrderEvents failed (${String(error)}); retrying`);
      }
      if (failedAt === undefined) return;
      const from = Math.max(
        0,
        remaining.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt),
      );
      remaining = remaining.slice(from);
      if (attempt >= ATTEMPTS) {
        const [first, ...rest] = remaining;
        this.dead.push({
          sequenceNumber: first.dynamodb?.SequenceNumber ?? "",
          table: first.eventSourceARN ?? "",
          keys: first.dynamodb?.Keys as StreamItem,
        });
        this.options.log(`order events: stream record ${first.dynamodb?.SequenceNumber} dead-lettered`);
        remaining = rest;
        attempt = 0;
      } else {
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }
}
