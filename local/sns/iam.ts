/** SNS's side of local IAM: Publish to an encrypted topic (and its key), under the caller's role. */
import type { Notifier } from "../../lambdas/alerts/ports";
import { snsPublishChecks } from "../iam/aws-calls";
import type { Principal } from "../iam/enforced-roles";
import type { LocalEnforcement } from "../iam/local-enforcement";

export function guardNotifier(
  iam: LocalEnforcement,
  principal: Principal,
  topicArn: string,
  port: Notifier,
): Notifier {
  return {
    publish: async (notification) => {
      iam.deny(principal, snsPublishChecks(topicArn), (denied) =>
        denied.check.action.startsWith("kms:") ? "KMSAccessDeniedException" : "AuthorizationErrorException",
      );
      await port.publish(notification);
    },
  };
}
