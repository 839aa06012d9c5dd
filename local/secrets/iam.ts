/** Secrets Manager's side of local IAM: GetSecretValue on the secret's ARN. */
import { getSecretValueChecks } from "../iam/aws-calls";
import type { LocalEnforcement, RequestAuthorizer } from "../iam/local-enforcement";

export function secretsAuthorizer(iam: LocalEnforcement): RequestAuthorizer<string> {
  return iam.authorizer<string>((secretArn) => getSecretValueChecks(secretArn));
}
