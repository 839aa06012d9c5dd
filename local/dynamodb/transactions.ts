/**
 * TransactWriteItems for dynalite, which does not implement it. Each item is applied as the matching
 * conditional single-item call (so dynalite evaluates the conditions itself); on any failure the
 * applied items are restored from their old images: all or nothing, with CancellationReasons per item
 * and ClientRequestToken idempotency, as DynamoDB answers. The caller holds an exclusive lock.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { itemSize, transactionalWriteUnits } from "./item-size";

type Item = Record<string, AttributeValue>;
type Expression = {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
};
export interface TransactItem {
  Put?: Expression & { Item: Item };
  Update?: Expression & { Key: Item; UpdateExpression: string };
  Delete?: Expression & { Key: Item };
  ConditionCheck?: Expression & { Key: Item };
}
export interface TransactWriteRequest {
  TransactItems?: TransactItem[];
  ClientRequestToken?: string;
  ReturnConsumedCapacity?: "TOTAL" | "INDEXES" | "NONE";
}

/** What DynamoDB answers with ReturnConsumedCapacity: the write units per table. */
export interface TransactWriteResult {
  ConsumedCapacity?: { TableName: string; CapacityUnits: number; WriteCapacityUnits: number }[];
}

/** What a transaction answers, and the applied items as it left them where it read them. */
export interface TransactWriteOutcome {
  readonly response: TransactWriteResult;
  /** By `imageKey`: each applied item after the write, when it was read for the consumed capacity. */
  readonly newImages: ReadonlyMap<string, Item | undefined>;
}

/** The key of an item's new image in TransactWriteOutcome.newImages. */
export const imageKey = (table: string, key: Item) => `${table}|${JSON.stringify(key)}`;

/** DynamoDB's idempotency window for ClientRequestToken. */
const TOKEN_WINDOW_MS = 10 * 60 * 1000;

/** An error answered in DynamoDB's wire shape (`__type`, `message`, extra fields). */
export class TransactionFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Target {
  readonly table: string;
  readonly key: Item;
}
interface Undo extends Target {
  readonly old: Item | undefined;
}
type Reason = { Code: string; Message?: string };

const conditionOf = (op: Expression) => ({
  ConditionExpression: op.ConditionExpression,
  ExpressionAttributeNames: op.ExpressionAttributeNames,
  ExpressionAttributeValues: op.ExpressionAttributeValues,
});

export class TransactionExecutor {
  private readonly tokens = new Map<string, { hash: string; at: number }>();
  private readonly keySchemas = new Map<string, string[]>();

  /**
   * @param client talks to dynalite directly, past the lock the caller holds
   * @param journalPath with a data directory: the images a transaction in progress would restore are
   *   written here before it writes anything, so a crash halfway is rolled back on the next start
   *   (DynamoDB's transactions are atomic; without this, a SIGKILL between two puts would not be)
   */
  constructor(
    private readonly client: Pick<DynamoDBClient, "send">,
    private readonly journalPath?: string,
  ) {}

  /** Rolls back a transaction a crash interrupted (call before serving requests). */
  async recover(): Promise<boolean> {
    if (!this.journalPath || !existsSync(this.journalPath)) return false;
    let undo: Undo[] = [];
    try {
      undo = JSON.parse(readFileSync(this.journalPath, "utf8")) as Undo[];
    } catch {
      // Torn while being written: nothing had been applied yet.
    }
    await this.rollBack(undo);
    rmSync(this.journalPath, { force: true });
    return undo.length > 0;
  }

  /** Before anything is written: the images each target has now, kept where a crash cannot lose them. */
  private async journalBefore(targets: Target[]): Promise<void> {
    if (!this.journalPath) return;
    const images = await Promise.all(
      targets.map(async ({ table, key }) => {
        const current = await this.client.send(
          new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
        );
        return { table, key, old: current.Item };
      }),
    );
    writeFileSync(this.journalPath, JSON.stringify(images));
  }

  async transactWrite(request: TransactWriteRequest): Promise<TransactWriteOutcome> {
    const items = request.TransactItems ?? [];
    if (items.length === 0 || items.length > 100) {
      throw new TransactionFailure(400, "ValidationException", "TransactItems must have 1 to 100 items.");
    }
    const hash = createHash("sha256").update(JSON.stringify(items)).digest("hex");
    if (this.isReplay(request.ClientRequestToken, hash)) return { response: {}, newImages: new Map() };
    const targets = await this.targetsOf(items);
    await this.journalBefore(targets);
    const undo: Undo[] = [];
    const reasons: Reason[] = [];
    try {
      for (const [i, entry] of items.entries()) reasons.push(await this.apply(entry, targets[i], undo));
    } catch (fault) {
      await this.abandon(undo);
      // DynamoDB answers a failure of its own with a 500 the SDK retries, never with a cancellation.
      throw new TransactionFailure(500, "InternalServerError", `Internal server error: ${String(fault)}`);
    }
    const failed = reasons.some((r) => r.Code !== "None");
    if (failed) await this.rollBack(undo);
    if (this.journalPath) rmSync(this.journalPath, { force: true });
    if (failed) {
      throw new TransactionFailure(
        400,
        "TransactionCanceledException",
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        { CancellationReasons: reasons },
      );
    }
    if (request.ClientRequestToken) this.tokens.set(request.ClientRequestToken, { hash, at: Date.now() });
    const wanted = request.ReturnConsumedCapacity === "TOTAL" || request.ReturnConsumedCapacity === "INDEXES";
    if (!wanted) return { response: {}, newImages: new Map() };
    const { capacity, newImages } = await this.consumedCapacity(items, undo);
    return { response: { ConsumedCapacity: capacity }, newImages };
  }

  /**
   * Each item costs two write units per KB of the larger of its images before and after; the images
   * after, read for that, are handed on (the change feed needs no second read). Only an update's
   * image after has to be read: a put's is its item, a delete leaves none, a check changes nothing.
   */
  private async consumedCapacity(items: readonly TransactItem[], applied: readonly Undo[]) {
    const perTable = new Map<string, number>();
    const newImages = new Map<string, Item | undefined>();
    for (const [i, { table, key, old }] of applied.entries()) {
      const now = await this.imageAfter(items[i], { table, key, old });
      newImages.set(imageKey(table, key), now);
      const units = transactionalWriteUnits(Math.max(itemSize(old), itemSize(now)));
      perTable.set(table, (perTable.get(table) ?? 0) + units);
    }
    const capacity = [...perTable].map(([TableName, units]) => ({
      TableName,
      CapacityUnits: units,
      WriteCapacityUnits: units,
    }));
    return { capacity, newImages };
  }

  /** The item as an applied entry left it: read back after an update; known otherwise. */
  private async imageAfter(entry: TransactItem, { table, key, old }: Undo): Promise<Item | undefined> {
    if (entry.Put) return entry.Put.Item;
    if (entry.Delete) return undefined;
    if (entry.ConditionCheck) return old;
    const read = await this.client.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return read.Item;
  }

  /** A token seen within the window: the same request succeeds again without effect; another fails. */
  private isReplay(token: string | undefined, hash: string): boolean {
    const seen = token ? this.tokens.get(token) : undefined;
    if (!seen || Date.now() - seen.at >= TOKEN_WINDOW_MS) return false;
    if (seen.hash !== hash) {
      throw new TransactionFailure(
        400,
        "IdempotentParameterMismatchException",
        "ClientRequestToken reused with different parameters.",
      );
    }
    return true;
  }

  private async keyOf(table: string, item: Item): Promise<Item> {
    let names = this.keySchemas.get(table);
    if (!names) {
      const described = await this.client.send(new DescribeTableCommand({ TableName: table }));
      names = (described.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      this.keySchemas.set(table, names);
    }
    return Object.fromEntries(names.map((n) => [n, item[n]]));
  }

  /** The item each entry targets; DynamoDB refuses two operations on one item. */
  private async targetsOf(items: TransactItem[]): Promise<Target[]> {
    const targets = await Promise.all(
      items.map(async (entry) => {
        const op = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
        if (!op)
          throw new TransactionFailure(400, "ValidationException", "Each TransactItem needs one operation.");
        const key = entry.Put ? await this.keyOf(op.TableName, entry.Put.Item) : (op as { Key: Item }).Key;
        return { table: op.TableName, key };
      }),
    );
    const ids = targets.map((t) => `${t.table}|${JSON.stringify(t.key)}`);
    if (new Set(ids).size !== ids.length) {
      throw new TransactionFailure(
        400,
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
      );
    }
    return targets;
  }

  /** Applies one entry, recording its old image for a roll-back; returns its cancellation reason. */
  private async apply(entry: TransactItem, target: Target, undo: Undo[]): Promise<Reason> {
    try {
      undo.push({ ...target, old: await this.applyOne(entry, target) });
      return { Code: "None" };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { Code: "ConditionalCheckFailed", Message: "The conditional request failed" };
      }
      // The item itself is invalid (DynamoDB's own 400): that entry's reason, as DynamoDB gives it.
      if (error instanceof DynamoDBServiceException && error.$metadata.httpStatusCode === 400) {
        return { Code: "ValidationError", Message: error.message };
      }
      // Anything else is the database failing, not the request: the whole call fails, retryably.
      throw error;
    }
  }

  /**
   * After a fault halfway: what was applied is rolled back; if that fails too, the journal stays,
   * so the next start rolls it back (recover()).
   */
  private async abandon(undo: Undo[]): Promise<void> {
    try {
      await this.rollBack(undo);
      if (this.journalPath) rmSync(this.journalPath, { force: true });
    } catch {
      // The journal keeps the images.
    }
  }

  /** The matching conditional single-item call; returns the item's image before it. */
  private async applyOne(entry: TransactItem, { table, key }: Target): Promise<Item | undefined> {
    const send = this.client.send.bind(this.client);
    if (entry.Put) {
      const put = { TableName: table, Item: entry.Put.Item, ...conditionOf(entry.Put) };
      return (await send(new PutItemCommand({ ...put, ReturnValues: "ALL_OLD" }))).Attributes;
    }
    if (entry.Update) {
      const update = { TableName: table, Key: key, UpdateExpression: entry.Update.UpdateExpression };
      const condition = conditionOf(entry.Update);
      return (await send(new UpdateItemCommand({ ...update, ...condition, ReturnValues: "ALL_OLD" })))
        .Attributes;
    }
    if (entry.Delete) {
      const remove = { TableName: table, Key: key, ...conditionOf(entry.Delete) };
      return (await send(new DeleteItemCommand({ ...remove, ReturnValues: "ALL_OLD" }))).Attributes;
    }
    // ConditionCheck: dynalite evaluates the condition on a write that changes nothing: the current
    // image written again, or, for an item that does not exist, a delete of nothing.
    const current = await send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const condition = conditionOf(entry.ConditionCheck!);
    if (current.Item) await send(new PutItemCommand({ TableName: table, Item: current.Item, ...condition }));
    else await send(new DeleteItemCommand({ TableName: table, Key: key, ...condition }));
    return current.Item;
  }

  private async rollBack(undo: Undo[]): Promise<void> {
    for (const { table, key, old } of undo.reverse()) {
      if (old) await this.client.send(new PutItemCommand({ TableName: table, Item: old }));
      else await this.client.send(new DeleteItemCommand({ TableName: table, Key: key }));
    }
  }
}
