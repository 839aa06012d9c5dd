/**
 * Local EventBridge Scheduler: the stuck-order reconciler on its deployed schedule (or a shorter
 * one), and the daily payment reconciliation (also at POST /_local/reconcile-payments).
 */
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { guardStarter } from "../sfn/iam";
import { stepFunctionsService } from "../sfn/service";
import type { ReconcilePaymentsResult } from "../../lambdas/reconcile-payments/handler";
import { paymentProviderService } from "../payments/service";
import { startPaymentReconciler } from "./payment-reconciler";
import { startReconciler, type ReconcilerService } from "./reconciler";

export interface SchedulerService extends ReconcilerService {
  /** The payment reconciliation, now (as its daily run would). */
  reconcilePayments(): Promise<ReconcilePaymentsResult>;
}

export const schedulerService: ServiceModule<SchedulerService> = {
  name: "scheduler",
  start: (ctx) => {
    const { starter } = ctx.need(stepFunctionsService);
    const { functions } = ctx.need(lambdaService);
    const stuckOrders = startReconciler({
      functions,
      // The reconciler restarts orders through StartExecution, under its own role.
      starter: ctx.iam ? guardStarter(ctx.iam, "ReconcileOrders", starter) : starter,
      intervalMs: ctx.settings.reconcileIntervalMs,
      log: ctx.log,
    });
    const payments = startPaymentReconciler({
      functions,
      books: ctx.need(paymentProviderService).books,
      log: ctx.log,
    });
    return {
      ...stuckOrders,
      reconcilePayments: payments.run,
      routes: payments.routes,
      stop: async () => {
        await payments.stop();
        await stuckOrders.stop();
      },
    };
  },
};
