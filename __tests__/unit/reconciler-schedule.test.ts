import type { ReconcileResult } from "../../lambdas/reconcile-orders/handler";
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import type { LocalFunctions } from "../../local/lambda/functions";
import { startReconciler } from "../../local/scheduler/reconciler";

/** A ReconcileOrders stand-in whose runs end when the test says so. */
function controlledRuns() {
  const ends: ((result: ReconcileResult) => void)[] = [];
  const functions = {
    handler: () => () => new Promise<ReconcileResult>((end) => ends.push(end)),
  } as unknown as LocalFunctions;
  return { functions, ends };
}

const found = (stuck: number): ReconcileResult => ({ stuck, restarted: 0, orders: [] });

test("runOnce during a run gets the run after it (one for every caller meanwhile), never the older answer", async () => {
  const { functions, ends } = controlledRuns();
  const reconciler = startReconciler({
    functions,
    starter: {} as WorkflowStarter,
    intervalMs: 60_000,
    log: () => undefined,
  });
  const first = reconciler.runOnce();
  const second = reconciler.runOnce();
  const third = reconciler.runOnce();
  expect(ends).toHaveLength(1);

  ends[0](found(0));
  expect(await first).toEqual(found(0));
  await new Promise((r) => setImmediate(r));
  expect(ends).toHaveLength(2);

  ends[1](found(1));
  expect(await second).toEqual(found(1));
  expect(await third).toEqual(found(1));
  expect(ends).toHaveLength(2);
  await reconciler.stop();
});
