/** The local workflow's step history, as the console's journey shows it: retries, catches, durations, outputs. */
import { LocalWorkflow, type ExecutionStep, type TaskHandler } from "../../../local/sfn/interpreter";

const LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:step";
const definition = {
  Comment: "retry, then a catch into a compensation step",
  StartAt: "Charge",
  TimeoutSeconds: 30,
  States: {
    Charge: {
      Type: "Task",
      Resource: LAMBDA,
      ResultPath: "$.payment",
      Retry: [{ ErrorEquals: ["Flaky"], IntervalSeconds: 1, MaxAttempts: 2 }],
      Next: "Reserve",
    },
    Reserve: {
      Type: "Task",
      Resource: LAMBDA,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Refund" }],
      Next: "Done",
    },
    Refund: { Type: "Task", Resource: LAMBDA, ResultPath: "$.refund", Next: "Failed" },
    Failed: { Type: "Fail", Error: "OutOfStock", Cause: "no stock" },
    Done: { Type: "Succeed" },
  },
};

const failure = (name: string) => Object.assign(new Error(name), { name });

test("each state entered is recorded in order, with its retries, how it ended and what it changed", async () => {
  let charges = 0;
  const seen: string[] = [];
  const tasks: Record<string, TaskHandler> = {
    Charge: (async () => {
      if (++charges === 1) throw failure("Flaky");
      return { chargeId: "ch_1" };
    }) as TaskHandler,
    Reserve: (async () => {
      throw failure("OutOfStock");
    }) as TaskHandler,
    Refund: (async () => ({ refundId: "re_1" })) as TaskHandler,
  };
  const workflow = new LocalWorkflow({
    stateMachineName: "steps",
    definition,
    tasks,
    retryIntervalMs: 5,
    onStep: (_execution, step, event) => seen.push(`${event}:${step.state}`),
  });
  const execution = workflow.startExecution("order-1", { orderId: "order-1" });
  await workflow.idle();
  // The history is read as it happens; the last events may land just after the result.
  await new Promise((r) => setTimeout(r, 20));
  const steps = workflow.stepsOf(execution.executionArn) as ExecutionStep[];
  expect(steps.map((s) => [s.state, s.status, s.retries])).toEqual([
    ["Charge", "succeeded", 1],
    ["Reserve", "caught", 0],
    ["Refund", "succeeded", 0],
    ["Failed", "failed", 0],
  ]);
  expect(steps[0].changed).toEqual({ payment: { chargeId: "ch_1" } });
  expect(steps[1]).toMatchObject({ error: "OutOfStock" });
  expect(steps[2].changed).toEqual({ refund: { refundId: "re_1" } });
  expect(steps[3]).toMatchObject({ error: "OutOfStock", cause: "no stock" });
  for (const step of steps) {
    expect(step.exitedAt).toBeGreaterThanOrEqual(step.enteredAt);
    expect(step.durationMs).toBe(step.exitedAt! - step.enteredAt);
  }
  expect(seen.slice(0, 4)).toEqual([
    "StateEntered:Charge",
    "StateFailed:Charge",
    "StateRetried:Charge",
    "StateExited:Charge",
  ]);
  expect(seen).toContain("StateCaught:Reserve");
});

test("a watcher that throws neither stops the history nor the execution", async () => {
  const workflow = new LocalWorkflow({
    stateMachineName: "steps",
    definition,
    tasks: {
      Charge: (async () => ({ chargeId: "ch_2" })) as TaskHandler,
      Reserve: (async () => ({})) as TaskHandler,
      Refund: (async () => ({})) as TaskHandler,
    },
    onStep: () => {
      throw new Error("console bug");
    },
  });
  const execution = workflow.startExecution("order-2", { orderId: "order-2" });
  await workflow.idle();
  await new Promise((r) => setTimeout(r, 20));
  expect(execution.status).toBe("SUCCEEDED");
  expect(workflow.stepsOf(execution.executionArn)?.map((s) => s.state)).toEqual([
    "Charge",
    "Reserve",
    "Done",
  ]);
});

test("$$.State.EnteredTime is when the state is entered, not when the execution started", async () => {
  const workflow = new LocalWorkflow({
    stateMachineName: "stamps",
    definition: {
      Comment: "a slow step, then a stamp",
      StartAt: "Slow",
      TimeoutSeconds: 30,
      States: {
        Slow: { Type: "Task", Resource: LAMBDA, ResultPath: null, Next: "Stamp" },
        Stamp: { Type: "Pass", Parameters: { "at.$": "$$.State.EnteredTime" }, End: true },
      },
    },
    tasks: { Slow: (async () => new Promise((r) => setTimeout(() => r({}), 80))) as TaskHandler },
  });
  const execution = workflow.startExecution("order-3", {});
  await workflow.idle();
  const stampedAt = Date.parse((JSON.parse(execution.output!) as { at: string }).at);
  expect(stampedAt - execution.startDate).toBeGreaterThanOrEqual(75);
});
