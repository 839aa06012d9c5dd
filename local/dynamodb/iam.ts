/** DynamoDB's side of local IAM: each request by its operation (X-Amz-Target) and body. */
import { dynamoDbChecks } from "../iam/aws-calls";
import type { LocalEnforcement, RequestAuthorizer } from "../iam/local-enforcement";

export type DynamoDbRequest = { operation: string; body: Record<string, unknown> };

export function dynamoDbAuthorizer(iam: LocalEnforcement): RequestAuthorizer<DynamoDbRequest> {
  return iam.authorizer<DynamoDbRequest>(({ operation, body }) => dynamoDbChecks(operation, body));
}
