import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { normalizedAddress } from "../customer-emails";
import type { SuppressionList } from "../ports";
import { EMAIL_SUPPRESSION_TABLE } from "../table-definitions";

/** The store's e-mail suppression list: one item per address that bounced or complained. */
export class DynamoDbSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isSuppressed(address: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [EMAIL_SUPPRESSION_TABLE.partitionKey]: normalizedAddress(address) },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async suppress(address: string, reason: "BOUNCE" | "COMPLAINT", at: string): Promise<"added" | "exists"> {
    const key = EMAIL_SUPPRESSION_TABLE.partitionKey;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [key]: normalizedAddress(address), reason, suppressedAt: at },
          ConditionExpression: "attribute_not_exists(#key)",
          ExpressionAttributeNames: { "#key": key },
        }),
      );
      return "added";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return "exists";
      throw error;
    }
  }
}
