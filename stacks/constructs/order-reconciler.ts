import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { Construct } from "constructs";
import { RECONCILE_SCHEDULE_EXPRESSION } from "../../lambdas/shared/reconcile-schedule";
import { allow, ServiceRole } from "./policy";

export interface OrderReconcilerProps {
  readonly namePrefix: string;
  readonly accountId: string;
  /** ReconcileOrders' live alias. */
  readonly reconciler: LambdaAlias;
}

/**
 * The stuck-order reconciler's schedule: EventBridge Scheduler invokes ReconcileOrdersLambda every
 * 5 minutes, through a role that may invoke that function and nothing else. A missed run is not
 * retried: the next one, minutes later, does the same work.
 */
export class OrderReconciler extends Construct {
  readonly schedule: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: OrderReconcilerProps) {
    super(scope, id);
    const name = `${props.namePrefix}-order-reconciler`;
    const role = new ServiceRole(this, "Role", {
      name: `${name}-scheduler`,
      servicePrincipal: "scheduler.amazonaws.com",
      sourceAccount: props.accountId,
      statements: [allow("InvokeReconciler", ["lambda:InvokeFunction"], [props.reconciler.arn])],
    });
    this.schedule = new SchedulerSchedule(this, "Schedule", {
      name,
      description: "Finds orders stuck PENDING or PROCESSING and restarts the PENDING ones",
      scheduleExpression: RECONCILE_SCHEDULE_EXPRESSION,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: props.reconciler.arn, roleArn: role.role.arn, retryPolicy: { maximumRetryAttempts: 0 } },
    });
    this.schedule.overrideLogicalId("OrderReconcilerSchedule");
  }
}
