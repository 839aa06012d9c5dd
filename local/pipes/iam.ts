/** EventBridge Pipes' side of local IAM: the outbox pipe sends to OrdersQueue with its own role. */
import type { OrderQueue } from "../../lambdas/workflow/ports";
import { sendMessageChecks } from "../iam/aws-calls";
import type { LocalEnforcement } from "../iam/local-enforcement";
import { LOCAL_RESOURCES } from "../runtime/resources";

export function guardPipeTarget(iam: LocalEnforcement, port: OrderQueue): OrderQueue {
  return {
    send: async (message) => {
      iam.deny("OutboxPipe", sendMessageChecks(LOCAL_RESOURCES.ordersQueue.arn), () => "AccessDenied");
      await port.send(message);
    },
  };
}
