/**
 * The local twin of the daily payment reconciliation's schedule: runs the bundled ReconcilePayments
 * handler once a day (EventBridge Scheduler's cron, as an interval here), and on demand at POST
 * /_local/reconcile-payments, with the simulated provider's books when the gateway is simulated (with
 * Stripe, the function reads Stripe itself). Each finding is printed, one line each.
 */
import type { ReconcilePaymentsResult } from "../../lambdas/reconcile-payments/handler";
import { PAYMENT_RECONCILE_EVERY_MS } from "../../lambdas/orders/reconcile-schedule";
import type { AdminRoutes } from "../admin/routes";
import type { LocalFunctions } from "../lambda/functions";
import type { SimulatedBooks } from "../payments/books";

export interface PaymentReconciler {
  /** One run now; resolves with what it compared and found. */
  run(): Promise<ReconcilePaymentsResult>;
  readonly routes: AdminRoutes;
  stop(): Promise<void>;
}

export function startPaymentReconciler(options: {
  readonly functions: LocalFunctions;
  readonly books: SimulatedBooks | undefined;
  readonly log: (line: string) => void;
}): PaymentReconciler {
  const reconcile = options.functions.handler<unknown, ReconcilePaymentsResult>(
    "ReconcilePayments",
    options.books ? { books: options.books } : {},
  );
  let running: Promise<ReconcilePaymentsResult> | undefined;
  const run = () => {
    running ??= reconcile({})
      .then((result) => {
        for (const f of result.findings) {
          options.log(
            `payment mismatch ${f.kind}: order ${f.orderId ?? "-"} payment ${f.paymentId ?? "-"}: ${f.detail}`,
          );
        }
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!running)
      run().catch((error: unknown) => options.log(`payment reconciliation failed: ${String(error)}`));
  }, PAYMENT_RECONCILE_EVERY_MS);
  timer.unref();
  return {
    run,
    routes: {
      post: {
        "reconcile-payments": async () => {
          const { checked, findings, since, skipped } = await run();
          return { status: 200, body: { since, checked, findings, ...(skipped ? { skipped } : {}) } };
        },
      },
    },
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
