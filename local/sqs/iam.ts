/** SQS's side of local IAM: the event source mapping polls with the consuming function's role. */
import type { FunctionId } from "../../lambdas/platform/contracts";
import { receiveMessageChecks } from "../iam/aws-calls";
import type { LocalEnforcement } from "../iam/local-enforcement";

/** Without these permissions AWS refuses to create the mapping, so the runtime refuses to start. */
export function checkEventSourceMapping(iam: LocalEnforcement, id: FunctionId, queueArn: string): void {
  const denied = iam.guard.denial(id, receiveMessageChecks(queueArn));
  if (denied) {
    throw new Error(
      `The ${id} event source mapping cannot be created: the provided execution role does not have permissions to call ${denied.check.action.replace("sqs:", "")} on SQS (${denied.message})`,
    );
  }
}
