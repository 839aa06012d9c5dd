/** `npm run release` against a stand-in for CodeDeploy, Lambda, Step Functions and CloudWatch. */
import { parseReleasePlan, release, ReleaseInProgress, type ReleasePlan } from "../../../scripts/ops/release";
import type { ReleaseStrategyName } from "../../../stacks/release-strategies";
import { ReleaseStandIn } from "../../support/release-stand-in";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:ecommerce-prod-order-processing";

function planFor(strategy: ReleaseStrategyName): ReleasePlan {
  const fn = (folder: string, id: string) => ({
    functionName: `ecommerce-prod-${folder}`,
    alias: "live",
    deploymentGroup: id,
  });
  return {
    strategy,
    application: "ecommerce-prod-functions",
    functions: {
      OrderPlacement: fn("order-placement", "OrderPlacement"),
      ProcessPayment: fn("process-payment", "ProcessPayment"),
      ValidateOrder: fn("validate-order", "ValidateOrder"),
    },
    workflow: { stateMachineArn: STATE_MACHINE, aliasArn: `${STATE_MACHINE}:live` },
    workflowAlarms: ["order-workflow-failures", "api-5xx"],
  };
}

let standIn: ReleaseStandIn;
afterEach(() => standIn?.restore());

/** Two functions and the workflow with a new version, ValidateOrder unchanged. */
function changedRelease(strategy: ReleaseStrategyName) {
  const plan = planFor(strategy);
  standIn = new ReleaseStandIn(plan);
  standIn.setFunction("ecommerce-prod-order-placement", 3, 4);
  standIn.setFunction("ecommerce-prod-process-payment", 6, 7);
  standIn.setFunction("ecommerce-prod-validate-order", 2, 2);
  standIn.setWorkflow(1, 2);
  const lines: string[] = [];
  const run = (sleep = standIn.sleep) =>
    release(standIn.clients, plan, {
      log: (line) => lines.push(line),
      sleep,
      now: () => standIn.now,
      pollMs: 30_000,
    });
  return { plan, lines, run };
}

test("a healthy canary: 10 % while it bakes with the alarms watched, then every alias on the new version", async () => {
  const { lines, run } = changedRelease("canary-10-percent-5-minutes");
  await expect(run()).resolves.toBe("released");

  // AppSpec content as CodeDeploy documents it.
  for (const call of standIn.createdDeployments()) {
    expect(call.args[0].input.revision!.appSpecContent!.content).toMatch(/^\{"version":0\.0,"Resources":\[/);
  }
  // One deployment per changed function, from its current version to its newest; none for the unchanged.
  const specs = standIn
    .createdDeployments()
    .map(
      (call) => JSON.parse(call.args[0].input.revision!.appSpecContent!.content!) as { Resources: object[] },
    );
  expect(specs.map((s) => Object.values(s.Resources[0])[0])).toEqual([
    expect.objectContaining({
      Properties: {
        Name: "ecommerce-prod-order-placement",
        Alias: "live",
        CurrentVersion: "3",
        TargetVersion: "4",
      },
    }),
    expect.objectContaining({
      Properties: {
        Name: "ecommerce-prod-process-payment",
        Alias: "live",
        CurrentVersion: "6",
        TargetVersion: "7",
      },
    }),
  ]);
  expect(standIn.aliases.get("ecommerce-prod-order-placement")).toEqual({ version: "4" });
  expect(standIn.aliases.get("ecommerce-prod-process-payment")).toEqual({ version: "7" });
  // The workflow: 90/10 while it bakes, then all on version 2.
  expect(standIn.workflowRoutings).toEqual([
    [
      { stateMachineVersionArn: `${STATE_MACHINE}:1`, weight: 90 },
      { stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 10 },
    ],
    [{ stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 100 }],
  ]);
  // Progress: the share on the new version, the alarms, the time left.
  expect(lines).toContain(
    "OrderPlacement InProgress 10% · ProcessPayment InProgress 10% · workflow baking · alarms: OK · bake: 300 s left",
  );
  expect(lines.at(-1)).toBe("Release done: the new versions serve all traffic.");
});

test("an alarm mid-bake: CodeDeploy rolls the functions back, the workflow goes back too, and the release fails", async () => {
  const { lines, run } = changedRelease("canary-10-percent-5-minutes");
  // Two minutes in, the API starts answering 5XX.
  const outcome = run(async (ms) => {
    await standIn.sleep(ms);
    if (standIn.now >= 120_000) standIn.alarms.set("api-5xx", "ALARM");
  });
  await expect(outcome).resolves.toBe("rolled-back");
  expect(standIn.aliases.get("ecommerce-prod-order-placement")).toEqual({ version: "3" });
  expect(standIn.aliases.get("ecommerce-prod-process-payment")).toEqual({ version: "6" });
  expect(standIn.workflowRouting).toEqual([{ stateMachineVersionArn: `${STATE_MACHINE}:1`, weight: 100 }]);
  expect(lines).toContain("workflow: rolled back to version 1 (alarm api-5xx)");
  expect(lines.at(-1)).toBe("Release rolled back: the previous versions serve all traffic.");
});

test("a second release while one runs is refused with a clear message, and starts nothing", async () => {
  const first = changedRelease("canary-10-percent-15-minutes");
  // The first release is under way: stop it after its deployments were created.
  const running = release(standIn.clients, first.plan, {
    log: () => undefined,
    sleep: () => new Promise(() => undefined),
    now: () => standIn.now,
  });
  void running;
  await new Promise((r) => setTimeout(r, 20));
  const created = standIn.createdDeployments().length;
  expect(created).toBe(2);

  const second = release(standIn.clients, first.plan, { log: () => undefined, now: () => standIn.now });
  await expect(second).rejects.toThrow(ReleaseInProgress);
  await expect(second).rejects.toThrow(
    /^A release is already running: deployment d-1 of OrderPlacement\. Wait for it to finish, or stop it \(aws deploy stop-deployment --deployment-id d-1 --auto-rollback-enabled\)/,
  );
  expect(standIn.createdDeployments()).toHaveLength(created);
});

test("all at once: every alias moves in one step, no bake", async () => {
  const { run } = changedRelease("all-at-once");
  await expect(run()).resolves.toBe("released");
  expect(standIn.workflowRoutings).toEqual([[{ stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 100 }]]);
  expect(standIn.aliases.get("ecommerce-prod-process-payment")).toEqual({ version: "7" });
});

test("nothing new: nothing is deployed", async () => {
  const plan = planFor("canary-10-percent-5-minutes");
  standIn = new ReleaseStandIn(plan);
  for (const fn of Object.values(plan.functions)) standIn.setFunction(fn.functionName, 5, 5);
  standIn.setWorkflow(3, 3);
  const lines: string[] = [];
  await expect(release(standIn.clients, plan, { log: (l) => lines.push(l) })).resolves.toBe(
    "nothing-to-release",
  );
  expect(standIn.createdDeployments()).toHaveLength(0);
  expect(lines).toEqual(["Nothing to release: every alias is on its newest version."]);
});

test("the plan output: an unknown strategy is refused", () => {
  expect(() => parseReleasePlan(JSON.stringify({ ...planFor("all-at-once"), strategy: "yolo" }))).toThrow(
    'The release plan names an unknown strategy "yolo".',
  );
});
