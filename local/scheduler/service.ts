/** Local EventBridge Scheduler: the stuck-order reconciler on its deployed schedule (or a shorter one). */
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { guardStarter } from "../sfn/iam";
import { stepFunctionsService } from "../sfn/service";
import { startReconciler, type ReconcilerService } from "./reconciler";

export const schedulerService: ServiceModule<ReconcilerService> = {
  name: "scheduler",
  start: (ctx) => {
    const { starter } = ctx.need(stepFunctionsService);
    return startReconciler({
      functions: ctx.need(lambdaService).functions,
      // The reconciler restarts orders through StartExecution, under its own role.
      starter: ctx.iam ? guardStarter(ctx.iam, "ReconcileOrders", starter) : starter,
      intervalMs: ctx.settings.reconcileIntervalMs,
      log: ctx.log,
    });
  },
};
