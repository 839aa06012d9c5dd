import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { normalizedAddress, suppressionKeyOf } from "../customer-emails";
import type { SuppressionList } from "../ports";
import { EMAIL_SUPPRESSION_TABLE } from "../../platform/table-definitions";
import { conditionalWrite } from "../../platform/dynamodb/conditional-write";
import { documentClient } from "../../platform/dynamodb/document-client";

/**
 * The store's e-mail suppression list: one item per address that bounced or complained, keyed by
 * the address's hash (`sha256:…`), so the list keeps no readable address. Items written before
 * hashing (keyed by the address itself) are still honoured, and an erasure turns one into its hash.
 */
export class DynamoDbSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(value: string): Record<string, string> {
    return { [EMAIL_SUPPRESSION_TABLE.partitionKey]: value };
  }

  /** The items under the address's hash and under the address itself (an older item): one call. */
  private async found(address: string): Promise<Record<string, unknown>[]> {
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: [this.key(suppressionKeyOf(address)), this.key(normalizedAddress(address))],
            ConsistentRead: true,
          },
        },
      }),
    );
    return Responses?.[this.tableName] ?? [];
  }

  async isSuppressed(address: string): Promise<boolean> {
    return (await this.found(address)).length > 0;
  }

  async suppress(address: string, reason: "BOUNCE" | "COMPLAINT", at: string): Promise<"added" | "exists"> {
    if (
      (await this.found(address)).some(
        (item) => item[EMAIL_SUPPRESSION_TABLE.partitionKey] !== suppressionKeyOf(address),
      )
    ) {
      return "exists"; // kept as an older, unhashed item until an erasure hashes it
    }
    const added = await conditionalWrite(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(suppressionKeyOf(address)), reason, suppressedAt: at },
          ConditionExpression: "attribute_not_exists(#key)",
          ExpressionAttributeNames: { "#key": EMAIL_SUPPRESSION_TABLE.partitionKey },
        }),
      ),
    );
    return added ? "added" : "exists";
  }

  /** Erasure: an address kept readable (an older item) is kept as its hash only. True if suppressed. */
  async keepHashOnly(address: string): Promise<boolean> {
    const items = await this.found(address);
    const plain = items.find(
      (item) => item[EMAIL_SUPPRESSION_TABLE.partitionKey] === normalizedAddress(address),
    );
    if (plain) {
      await conditionalWrite(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...plain, ...this.key(suppressionKeyOf(address)) },
            ConditionExpression: "attribute_not_exists(#key)",
            ExpressionAttributeNames: { "#key": EMAIL_SUPPRESSION_TABLE.partitionKey },
          }),
        ),
      );
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: this.key(normalizedAddress(address)) }),
      );
    }
    return items.length > 0;
  }
}

export function dynamoDbSuppressionList(config: {
  readonly emailSuppressionTableName: string;
}): DynamoDbSuppressionList {
  return new DynamoDbSuppressionList(documentClient(), config.emailSuppressionTableName);
}
