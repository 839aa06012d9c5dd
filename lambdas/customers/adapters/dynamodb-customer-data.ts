/**
 * A customer's data on DynamoDB: their orders through the customer index (then whole, a hundred
 * per BatchGetItem), each erased by one UpdateItem conditional on its customerId; their
 * idempotency-key records deleted by key; the erasure's record kept in the key table under a hash
 * of the customer's id.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { OrderRecord } from "../../orders/order";
import { ERASED_ADDRESS, erasureKeyOf, type ErasureRecord } from "../personal-data";
import type { CustomerDataStore } from "../ports";
import { ORDERS_BY_CUSTOMER_INDEX, ORDER_KEYS_TABLE } from "../../platform/table-definitions";
import { batchGetOrders } from "../../orders/adapters/dynamodb-order-reads";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";

export class DynamoDbCustomerData implements CustomerDataStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly ordersTable: string,
    private readonly keysTable: string,
  ) {}

  async ordersOf(customerId: string): Promise<OrderRecord[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.ordersTable,
          IndexName: ORDERS_BY_CUSTOMER_INDEX.name,
          KeyConditionExpression: "#customer = :customer",
          ExpressionAttributeNames: { "#customer": ORDERS_BY_CUSTOMER_INDEX.partitionKey },
          ExpressionAttributeValues: { ":customer": customerId },
          ExclusiveStartKey: start,
        }),
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.orderId)));
      start = page.LastEvaluatedKey;
    } while (start);
    const orders = await batchGetOrders(this.client, this.ordersTable, ids);
    // The index is eventually consistent: an order is theirs only if the order itself says so.
    return orders.filter((order) => order.customerId === customerId);
  }

  async eraseOrder(orderId: string, customerId: string, at: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.ordersTable,
          Key: { orderId },
          UpdateExpression: "SET customerEmail = :erased, personalDataErasedAt = :at REMOVE idempotencyKey",
          ConditionExpression: "customerId = :customer AND customerEmail <> :erased",
          ExpressionAttributeValues: { ":erased": ERASED_ADDRESS, ":at": at, ":customer": customerId },
        }),
      ),
    );
  }

  async deleteKey(keyHash: string, orderId: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.keysTable,
          Key: { [ORDER_KEYS_TABLE.partitionKey]: keyHash },
          // Only the key that named this order: a key is never someone else's record.
          ConditionExpression: "orderId = :orderId",
          ExpressionAttributeValues: { ":orderId": orderId },
        }),
      ),
    );
  }

  async erasureOf(customerId: string): Promise<ErasureRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.keysTable,
        Key: { [ORDER_KEYS_TABLE.partitionKey]: erasureKeyOf(customerId) },
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.erasure as ErasureRecord) : undefined;
  }

  async recordErasure(customerId: string, record: ErasureRecord): Promise<void> {
    // No expiresAt: the proof that the erasure was done is kept (TTL never removes it).
    await this.client.send(
      new PutCommand({
        TableName: this.keysTable,
        Item: { [ORDER_KEYS_TABLE.partitionKey]: erasureKeyOf(customerId), erasure: record },
      }),
    );
  }
}
