/**
 * The local twin of the reconciler's schedule: runs the bundled ReconcileOrders handler every
 * interval (EventBridge Scheduler's 5 minutes unless an option shortens it), one run at a time,
 * with the workflow's StartExecution as its starter. What it did is printed, one line per order.
 */
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import type { ReconcileResult } from "../../lambdas/reconcile-orders/handler";
import type { LocalFunctions } from "../lambda/functions";
import type { LocalService } from "../runtime/service";

export interface ReconcilerService extends LocalService {
  /** One run now (as a scheduled run would); resolves with what it found and did. */
  runOnce(): Promise<ReconcileResult>;
}

export interface ReconcilerOptions {
  readonly functions: LocalFunctions;
  readonly starter: WorkflowStarter;
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

export function startReconciler(options: ReconcilerOptions): ReconcilerService {
  const reconcile = options.functions.handler<unknown, ReconcileResult>("ReconcileOrders", {
    workflow: options.starter,
  });
  let running: Promise<ReconcileResult> | undefined;
  let next: Promise<ReconcileResult> | undefined;
  const start = () => {
    running = reconcile({}).finally(() => {
      running = undefined;
    });
    return running;
  };
  // A run already going read the orders before this call: the caller gets the run after it (one
  // for every caller meanwhile), never an answer older than its own writes.
  const runOnce = (): Promise<ReconcileResult> => {
    if (!running) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
  const timer = setInterval(() => {
    if (running) return; // a run still going: the schedule's next tick does the rest
    runOnce().then(
      (result) => {
        for (const order of result.orders) {
          options.log(
            `order ${order.orderId} stuck ${order.status} since ${order.updatedAt}: ${order.action}`,
          );
        }
      },
      (error: unknown) =>
        options.log(`reconciler failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, options.intervalMs);
  timer.unref();
  return {
    name: "reconciler",
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
