/**
 * A DynamoDB stream record of the orders or the inventory table → the events its change makes: the
 * images unmarshalled, an order's facts compared, a product's movements numbered from its log.
 */
import type { AttributeValue as StreamAttributeValue, DynamoDBRecord } from "aws-lambda";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { OrderRecord } from "../../orders/order";
import { numberedLog, type LedgerItem } from "../../catalog/adapters/dynamodb-stock-ledger";
import { orderEventsOf, type DomainEvent } from "../order-events";
import { stockEventsOf } from "../stock-events";

export interface StreamTables {
  readonly orders: string;
  readonly inventory: string;
}

/** The table a record comes from: its stream ARN is `…:table/<name>/stream/<label>`. */
export function tableOfRecord(record: Pick<DynamoDBRecord, "eventSourceARN">): string | undefined {
  return /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN ?? "")?.[1];
}

const imageOf = <T>(image: Record<string, StreamAttributeValue> | undefined): T | undefined =>
  image ? (unmarshall(image as Record<string, AttributeValue>) as T) : undefined;

/** How many movements a product's image counts: those copied out, and those still in its log. */
const movementsCounted = (item: LedgerItem | undefined) =>
  item ? Number(item.flushed ?? 0) + (item.log?.length ?? 0) : 0;

/** An order's item as the API writes it: a partial item (a test's, a hand edit) makes no event. */
export function isOrderImage(item: Partial<OrderRecord> | undefined): item is OrderRecord {
  return typeof item?.orderId === "string" && Array.isArray(item.items) && typeof item.createdAt === "string";
}

export function eventsOfRecord(record: DynamoDBRecord, tables: StreamTables): DomainEvent[] {
  const table = tableOfRecord(record);
  const after = record.dynamodb?.NewImage;
  if (!after) return []; // a deletion (an expired key) is no fact
  if (table === tables.orders) {
    const now = imageOf<OrderRecord>(after);
    if (!isOrderImage(now)) return [];
    const before = imageOf<OrderRecord>(record.dynamodb?.OldImage);
    return orderEventsOf(isOrderImage(before) ? before : undefined, now);
  }
  if (table === tables.inventory) {
    const item = imageOf<LedgerItem>(after)!;
    if (item.flushed === undefined) return []; // a product kept from before its movements
    return stockEventsOf(numberedLog(item), movementsCounted(imageOf<LedgerItem>(record.dynamodb?.OldImage)));
  }
  return [];
}
