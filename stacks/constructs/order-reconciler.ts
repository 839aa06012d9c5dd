import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { Construct } from "constructs";
import {
  PAYMENT_RECONCILE_SCHEDULE_EXPRESSION,
  RECONCILE_SCHEDULE_EXPRESSION,
} from "../../lambdas/orders/reconcile-schedule";
import { allow, ServiceRole } from "./policy";

export interface OrderReconcilerProps {
  readonly namePrefix: string;
  readonly accountId: string;
  /** ReconcileOrders' live alias. */
  readonly reconciler: LambdaAlias;
  /** ReconcilePayments' live alias. */
  readonly paymentReconciler: LambdaAlias;
}

/**
 * The reconcilers' schedules: EventBridge Scheduler invokes ReconcileOrdersLambda every 5 minutes
 * (stuck orders) and ReconcilePaymentsLambda once a day (money against orders), through one role
 * that may invoke those two functions and nothing else. A missed stuck-order run is not retried (the
 * next one, minutes later, does the same work); a missed daily run is retried twice.
 */
export class OrderReconciler extends Construct {
  readonly schedule: SchedulerSchedule;
  readonly paymentSchedule: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: OrderReconcilerProps) {
    super(scope, id);
    const name = `${props.namePrefix}-order-reconciler`;
    const role = new ServiceRole(this, "Role", {
      name: `${name}-scheduler`,
      servicePrincipal: "scheduler.amazonaws.com",
      sourceAccount: props.accountId,
      statements: [
        allow(
          "InvokeReconcilers",
          ["lambda:InvokeFunction"],
          [props.reconciler.arn, props.paymentReconciler.arn],
        ),
      ],
    });
    this.schedule = new SchedulerSchedule(this, "Schedule", {
      name,
      description: "Finds orders stuck PENDING or PROCESSING and restarts the PENDING ones",
      scheduleExpression: RECONCILE_SCHEDULE_EXPRESSION,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: props.reconciler.arn, roleArn: role.role.arn, retryPolicy: { maximumRetryAttempts: 0 } },
    });
    this.schedule.overrideLogicalId("OrderReconcilerSchedule");
    this.paymentSchedule = new SchedulerSchedule(this, "PaymentSchedule", {
      name: `${props.namePrefix}-payment-reconciler`,
      description: "Compares the payment provider's payments and refunds of reconcile_days with the orders",
      scheduleExpression: PAYMENT_RECONCILE_SCHEDULE_EXPRESSION,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: props.paymentReconciler.arn,
        roleArn: role.role.arn,
        retryPolicy: { maximumRetryAttempts: 2 },
      },
    });
    this.paymentSchedule.overrideLogicalId("PaymentReconcilerSchedule");
  }
}
