/**
 * A release: moves each function's live alias to its newest published version through AWS
 * CodeDeploy (the stack's deployment groups: the strategy's canary, automatic rollback on an alarm)
 * and the workflow's live alias the same way (weighted routing, the workflow alarms watched while it
 * bakes), printing progress until every part is promoted or rolled back.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import {
  DescribeStateMachineAliasCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from "@aws-sdk/client-sfn";
import {
  isReleaseStrategy,
  RELEASE_STRATEGIES,
  type ReleaseStrategyName,
} from "../../stacks/release-strategies";

/** What the stack's `release_plan` output says to move. */
export interface ReleasePlan {
  readonly strategy: ReleaseStrategyName;
  readonly application: string;
  readonly functions: Readonly<
    Record<
      string,
      { readonly functionName: string; readonly alias: string; readonly deploymentGroup: string }
    >
  >;
  readonly workflow: { readonly stateMachineArn: string; readonly aliasArn: string };
  /** Alarms watched while the workflow's new version bakes. */
  readonly workflowAlarms: readonly string[];
}

export interface ReleaseClients {
  readonly codedeploy: CodeDeployClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly cloudwatch: CloudWatchClient;
}

export interface ReleaseOptions {
  readonly log: (line: string) => void;
  /** How long between two looks at the deployments and alarms (10 s). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Give up waiting this long after the bake should have ended (15 minutes). */
  readonly graceMs?: number;
}

export type ReleaseOutcome = "released" | "rolled-back" | "nothing-to-release";

/** Another release is running: this one does not start. */
export class ReleaseInProgress extends Error {}

const ACTIVE_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"] as const;
const DONE_STATUSES = new Set(["Succeeded", "Failed", "Stopped"]);

export function parseReleasePlan(text: string): ReleasePlan {
  const plan = JSON.parse(text) as ReleasePlan;
  if (!isReleaseStrategy(plan.strategy))
    throw new Error(`The release plan names an unknown strategy "${plan.strategy}".`);
  return plan;
}

interface FunctionMove {
  readonly id: string;
  readonly current: string;
  readonly target: string;
  deploymentId?: string;
  status?: string;
}

interface WorkflowMove {
  readonly current: string;
  readonly target: string;
  state: "baking" | "promoted" | "rolled-back";
}

/** The newest published version of a function (numbers only: $LATEST is not a version). */
async function newestVersion(lambda: LambdaClient, functionName: string): Promise<string> {
  let newest = 0;
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }),
    );
    for (const v of page.Versions ?? []) {
      if (/^\d+$/.test(v.Version ?? "")) newest = Math.max(newest, Number(v.Version));
    }
    marker = page.NextMarker;
  } while (marker);
  if (newest === 0) throw new Error(`${functionName} has no published version: run cdktf deploy first.`);
  return String(newest);
}

/** Refuses to start while a deployment of any group runs or the workflow alias is split. */
async function refuseWhileRunning(clients: ReleaseClients, plan: ReleasePlan): Promise<void> {
  for (const [id, fn] of Object.entries(plan.functions)) {
    const running = await clients.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: plan.application,
        deploymentGroupName: fn.deploymentGroup,
        includeOnlyStatuses: [...ACTIVE_STATUSES],
      }),
    );
    const deploymentId = running.deployments?.[0];
    if (deploymentId) {
      throw new ReleaseInProgress(
        `A release is already running: deployment ${deploymentId} of ${id}. Wait for it to finish, or stop it (aws deploy stop-deployment --deployment-id ${deploymentId} --auto-rollback-enabled) and release again.`,
      );
    }
  }
  const alias = await clients.sfn.send(
    new DescribeStateMachineAliasCommand({ stateMachineAliasArn: plan.workflow.aliasArn }),
  );
  if ((alias.routingConfiguration?.length ?? 0) > 1) {
    throw new ReleaseInProgress(
      `A release is already running: the workflow's alias ${plan.workflow.aliasArn} splits traffic between two versions.`,
    );
  }
}

const APPSPEC_VERSION = "0.0";

/** The AppSpec as CodeDeploy documents it: `"version": 0.0` is a number written with its decimal. */
function appSpecJson(appSpec: object): string {
  return JSON.stringify(appSpec).replace(`"version":"${APPSPEC_VERSION}"`, `"version":${APPSPEC_VERSION}`);
}

async function startFunctionMoves(clients: ReleaseClients, plan: ReleasePlan, log: ReleaseOptions["log"]) {
  const moves: FunctionMove[] = [];
  for (const [id, fn] of Object.entries(plan.functions)) {
    const alias = await clients.lambda.send(
      new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias }),
    );
    const current = alias.FunctionVersion ?? "";
    const target = await newestVersion(clients.lambda, fn.functionName);
    if (current === target) continue;
    const appSpec = {
      version: APPSPEC_VERSION,
      Resources: [
        {
          [id]: {
            Type: "AWS::Lambda::Function",
            Properties: {
              Name: fn.functionName,
              Alias: fn.alias,
              CurrentVersion: current,
              TargetVersion: target,
            },
          },
        },
      ],
    };
    const created = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: plan.application,
        deploymentGroupName: fn.deploymentGroup,
        description: `${id}: ${fn.alias} ${current} → ${target}`,
        revision: { revisionType: "AppSpecContent", appSpecContent: { content: appSpecJson(appSpec) } },
      }),
    );
    log(`${id}: version ${current} → ${target}, deployment ${created.deploymentId} (${plan.strategy})`);
    moves.push({ id, current, target, deploymentId: created.deploymentId });
  }
  return moves;
}

async function startWorkflowMove(clients: ReleaseClients, plan: ReleasePlan, log: ReleaseOptions["log"]) {
  const alias = await clients.sfn.send(
    new DescribeStateMachineAliasCommand({ stateMachineAliasArn: plan.workflow.aliasArn }),
  );
  const current = alias.routingConfiguration?.[0]?.stateMachineVersionArn ?? "";
  const versions = await clients.sfn.send(
    new ListStateMachineVersionsCommand({ stateMachineArn: plan.workflow.stateMachineArn, maxResults: 1 }),
  );
  const target = versions.stateMachineVersions?.[0]?.stateMachineVersionArn ?? "";
  if (!target || target === current) return undefined;
  const { canaryPercent } = RELEASE_STRATEGIES[plan.strategy];
  await routeWorkflow(
    clients,
    plan,
    canaryPercent === 100
      ? [{ stateMachineVersionArn: target, weight: 100 }]
      : [
          { stateMachineVersionArn: current, weight: 100 - canaryPercent },
          { stateMachineVersionArn: target, weight: canaryPercent },
        ],
  );
  log(
    `workflow: ${versionOf(current)} → ${versionOf(target)}, ${canaryPercent}% of new executions on the new version`,
  );
  const move: WorkflowMove = { current, target, state: canaryPercent === 100 ? "promoted" : "baking" };
  return move;
}

const versionOf = (versionArn: string) => `version ${versionArn.split(":").pop()}`;

function routeWorkflow(
  clients: ReleaseClients,
  plan: ReleasePlan,
  routing: { stateMachineVersionArn: string; weight: number }[],
) {
  return clients.sfn.send(
    new UpdateStateMachineAliasCommand({
      stateMachineAliasArn: plan.workflow.aliasArn,
      routingConfiguration: routing,
    }),
  );
}

/** The new version's share of the function's alias now (CodeDeploy's canary weight). */
async function shareOf(clients: ReleaseClients, plan: ReleasePlan, move: FunctionMove): Promise<number> {
  if (move.status === "Succeeded") return 100;
  if (move.status && DONE_STATUSES.has(move.status)) return 0;
  const fn = plan.functions[move.id];
  const alias = await clients.lambda.send(
    new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias }),
  );
  if (alias.FunctionVersion === move.target) return 100;
  return Math.round((alias.RoutingConfig?.AdditionalVersionWeights?.[move.target] ?? 0) * 100);
}

async function alarmsFiring(clients: ReleaseClients, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const answer = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names] }));
  return (answer.MetricAlarms ?? []).filter((a) => a.StateValue === "ALARM").map((a) => a.AlarmName ?? "");
}

/** Runs one release to its end. Throws ReleaseInProgress (nothing started) if another runs. */
export async function release(
  clients: ReleaseClients,
  plan: ReleasePlan,
  options: ReleaseOptions,
): Promise<ReleaseOutcome> {
  const { log } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const strategy = RELEASE_STRATEGIES[plan.strategy];
  await refuseWhileRunning(clients, plan);
  const started = now();
  const functions = await startFunctionMoves(clients, plan, log);
  const workflow = await startWorkflowMove(clients, plan, log);
  if (functions.length === 0 && !workflow) {
    log("Nothing to release: every alias is on its newest version.");
    return "nothing-to-release";
  }
  const bakeEnds = started + strategy.bakeMinutes * 60_000;
  const deadline = bakeEnds + (options.graceMs ?? 15 * 60_000);
  log(`Watching: ${plan.workflowAlarms.join(", ")} (and each function's own errors, by CodeDeploy).`);
  for (;;) {
    for (const move of functions.filter((m) => !m.status || !DONE_STATUSES.has(m.status))) {
      const { deploymentInfo } = await clients.codedeploy.send(
        new GetDeploymentCommand({ deploymentId: move.deploymentId }),
      );
      move.status = deploymentInfo?.status;
    }
    const firing = await alarmsFiring(clients, plan.workflowAlarms);
    const failed = functions.filter((m) => m.status === "Failed" || m.status === "Stopped");
    if (workflow?.state === "baking" || (workflow?.state === "promoted" && failed.length > 0)) {
      if (firing.length > 0 || failed.length > 0) {
        await routeWorkflow(clients, plan, [{ stateMachineVersionArn: workflow.current, weight: 100 }]);
        workflow.state = "rolled-back";
        log(
          `workflow: rolled back to ${versionOf(workflow.current)} (${firing.length > 0 ? `alarm ${firing.join(", ")}` : "a function's release failed"})`,
        );
      } else if (workflow.state === "baking" && now() >= bakeEnds) {
        await routeWorkflow(clients, plan, [{ stateMachineVersionArn: workflow.target, weight: 100 }]);
        workflow.state = "promoted";
        log(`workflow: promoted, all new executions on ${versionOf(workflow.target)}`);
      }
    }
    if (workflow?.state === "rolled-back") {
      for (const move of functions.filter((m) => !m.status || !DONE_STATUSES.has(m.status))) {
        await clients.codedeploy.send(
          new StopDeploymentCommand({ deploymentId: move.deploymentId, autoRollbackEnabled: true }),
        );
        log(`${move.id}: stopped, rolling back to version ${move.current}`);
        move.status = "Stopped";
      }
    }
    const shares = await Promise.all(functions.map((m) => shareOf(clients, plan, m)));
    const left = Math.max(0, Math.ceil((bakeEnds - now()) / 1000));
    log(
      [
        ...functions.map((m, i) => `${m.id} ${m.status ?? "Created"} ${shares[i]}%`),
        ...(workflow ? [`workflow ${workflow.state}`] : []),
        `alarms: ${firing.length > 0 ? `ALARM ${firing.join(", ")}` : "OK"}`,
        `bake: ${left} s left`,
      ].join(" · "),
    );
    const functionsDone = functions.every((m) => m.status && DONE_STATUSES.has(m.status));
    if (functionsDone && workflow?.state !== "baking") {
      const rolledBack = functions.some((m) => m.status !== "Succeeded") || workflow?.state === "rolled-back";
      log(
        rolledBack
          ? "Release rolled back: the previous versions serve all traffic."
          : "Release done: the new versions serve all traffic.",
      );
      return rolledBack ? "rolled-back" : "released";
    }
    if (now() > deadline) {
      throw new Error("The release did not finish in time: check the deployments in the CodeDeploy console.");
    }
    await sleep(options.pollMs ?? 10_000);
  }
}
