/**
 * DynamoDB's side of local IAM: the billed endpoint (billing.ts, in the database's process) works out
 * each request's checks from its operation and body and asks the runtime's roles here.
 */
import type { Check } from "../iam/access-guard";
import type { Principal } from "../iam/enforced-roles";
import type { LocalEnforcement } from "../iam/local-enforcement";

/** The AccessDeniedException message for the first check the principal's role does not allow. */
export function dynamoDbDecisions(iam: LocalEnforcement) {
  return (principal: Principal, checks: readonly Check[]): string | undefined =>
    iam.guard.denial(principal, checks)?.message;
}
