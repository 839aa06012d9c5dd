/**
 * The local twin of the OrderOutbox pipe: it reads the local DynamoDB's change feed (the orders
 * table's stream) and sends `{"orderId", "items"}` to OrdersQueue for every write that leaves an order
 * PENDING, the filter the deployed pipe applies. A send that keeps failing goes to the pipe's
 * dead-letter list (and pages CriticalAlertsTopic, as the deployed alarm does).
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { OrderQueue, OrderQueueMessage } from "../../lambdas/workflow/ports";
import type { StreamOrderItems } from "../../lambdas/workflow/io";
import { ORDERS_TABLE } from "../../lambdas/platform/table-definitions";
import type { ChangePage, ChangeRecord, StreamItem } from "../dynamodb/change-feed";
import { ChangeFeedConsumer } from "../dynamodb/change-reader";
import { LOCAL_TOPICS } from "../runtime/resources";
import type { LocalNotifications } from "../sns/notifications";
import { DurableList } from "../runtime/durable-list";
import type { LocalService } from "../runtime/service";

export interface OutboxService extends LocalService {
  /** Order ids whose stream record could not be delivered (the pipe's dead-letter queue). */
  deadLetters(): readonly string[];
  /** True when every change recorded so far has been read and delivered. */
  isIdle(): Promise<boolean>;
}

export interface OutboxOptions {
  readonly dynamoDbEndpoint: string;
  readonly client: DynamoDBClient;
  readonly ordersTable: string;
  readonly queue: OrderQueue;
  readonly notifications: LocalNotifications;
  /** Keeps the pipe's dead-letter queue in this file across stops and crashes. */
  readonly deadLetterPath?: string;
  readonly log: (line: string) => void;
  /** Every order image the pipe reads, whatever its status (the console's live list). */
  readonly onOrder?: (item: Record<string, AttributeValue>) => void;
}

/** As the deployed pipe: a few attempts per record, then the dead-letter queue. */
const SEND_ATTEMPTS = 3;

class OrderOutboxPipe extends ChangeFeedConsumer implements OutboxService {
  readonly name = "outbox";
  private readonly dead: DurableList<string>;
  private delivering = 0;

  constructor(private readonly options: OutboxOptions) {
    super(options.dynamoDbEndpoint);
    this.dead = new DurableList<string>(options.deadLetterPath);
    this.start();
  }

  deadLetters(): readonly string[] {
    return [...this.dead.list()];
  }

  protected working(): boolean {
    return this.delivering > 0;
  }

  /** Sends every PENDING order the page's records name, and moves past them. */
  protected async handle(page: ChangePage): Promise<void> {
    this.advance(page);
    // An order written twice in one page is delivered once, from its latest image.
    const latest = new Map<string, ChangeRecord>();
    for (const record of page.records) {
      const orderId = record.keys[ORDERS_TABLE.partitionKey]?.S;
      if (record.table === this.options.ordersTable && orderId) latest.set(orderId, record);
    }
    this.delivering++;
    await Promise.all([...latest].map(([id, record]) => this.deliver(id, record.newImage))).finally(
      () => this.delivering--,
    );
  }

  /**
   * The message the pipe's template makes of a PENDING order's image (the stream record's; read
   * back only when a record has none); undefined when it is not PENDING.
   */
  private async messageFor(
    orderId: string,
    image: StreamItem | undefined,
  ): Promise<OrderQueueMessage | undefined> {
    const Item = image ?? (await this.readBack(orderId));
    if (Item) this.report(Item);
    if (Item?.status?.S !== "PENDING") return undefined;
    return { orderId, items: Item.items?.L as StreamOrderItems | undefined };
  }

  private async readBack(orderId: string): Promise<StreamItem | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.ordersTable,
        Key: { [ORDERS_TABLE.partitionKey]: { S: orderId } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** Tells the watcher (the console); what it does with the image never fails a delivery. */
  private report(item: Record<string, AttributeValue>): void {
    try {
      this.options.onOrder?.(item);
    } catch (error) {
      this.options.log(`outbox pipe: the console could not read an order image (${String(error)})`);
    }
  }

  private async deliver(orderId: string, image: StreamItem | undefined): Promise<void> {
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
      try {
        const message = await this.messageFor(orderId, image);
        if (message) await this.options.queue.send(message);
        return;
      } catch (error) {
        if (attempt < SEND_ATTEMPTS) continue;
        this.dead.push(orderId);
        this.options.log(
          `outbox pipe: order ${orderId} could not be queued (${String(error)}); dead-lettered`,
        );
        this.options.notifications.publish(
          LOCAL_TOPICS.CriticalAlertsTopic,
          "ALARM: order-stream-dlq-not-empty",
          `The outbox pipe could not queue order ${orderId}; a replay of its request queues it again.`,
        );
      }
    }
  }
}

export function startOrderOutbox(options: OutboxOptions): OutboxService {
  return new OrderOutboxPipe(options);
}
