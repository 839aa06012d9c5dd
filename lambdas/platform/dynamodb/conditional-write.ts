import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/**
 * A conditional write: true when DynamoDB made it, false when its condition did not hold (the
 * ordinary "already done" or "not allowed" answer); any other error is thrown.
 */
export async function conditionalWrite(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
