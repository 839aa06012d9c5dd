/**
 * A stand-in for the AWS APIs `npm run release` drives: CodeDeploy (deployments that shift a
 * function's alias by their configuration, roll back when a watched alarm goes off), Lambda
 * (aliases and versions), Step Functions (the workflow's alias and versions) and CloudWatch (alarm
 * states). It answers through aws-sdk-client-mock, keeps state between calls, and runs on its own
 * clock, which the release's `sleep` advances.
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
import { mockClient } from "aws-sdk-client-mock";
import type { ReleaseClients, ReleasePlan } from "../../scripts/ops/release";
import { RELEASE_STRATEGIES } from "../../stacks/release-strategies";

interface Deployment {
  readonly id: string;
  readonly group: string;
  readonly functionName: string;
  readonly current: string;
  readonly target: string;
  readonly startedAt: number;
  status: "InProgress" | "Succeeded" | "Stopped" | "Failed";
}

type Routing = { stateMachineVersionArn: string; weight: number }[];

export class ReleaseStandIn {
  now = 0;
  readonly newestVersion = new Map<string, number>();
  readonly aliases = new Map<string, { version: string; weights?: Record<string, number> }>();
  readonly deployments: Deployment[] = [];
  readonly alarms = new Map<string, "OK" | "ALARM">();
  workflowRouting: Routing = [];
  workflowVersions: string[] = [];
  /** Each alias routing the workflow was given, in order. */
  readonly workflowRoutings: Routing[] = [];
  private readonly mocks = {
    codedeploy: mockClient(CodeDeployClient),
    lambda: mockClient(LambdaClient),
    sfn: mockClient(SFNClient),
    cloudwatch: mockClient(CloudWatchClient),
  };
  readonly clients: ReleaseClients = {
    codedeploy: new CodeDeployClient({}),
    lambda: new LambdaClient({}),
    sfn: new SFNClient({}),
    cloudwatch: new CloudWatchClient({}),
  };

  constructor(private readonly plan: ReleasePlan) {
    this.answerCodeDeploy();
    this.answerLambda();
    this.answerStepFunctions();
    this.mocks.cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((name) => ({
        AlarmName: name,
        StateValue: this.alarms.get(name) ?? "OK",
      })),
    }));
  }

  /** The release's sleep: time passes on the stand-in's clock. */
  readonly sleep = async (ms: number) => {
    this.now += ms;
    await Promise.resolve();
  };

  /** A function whose alias is on `current` and whose newest published version is `newest`. */
  setFunction(functionName: string, current: number, newest: number): void {
    this.aliases.set(functionName, { version: String(current) });
    this.newestVersion.set(functionName, newest);
  }

  setWorkflow(current: number, newest: number): void {
    const arn = (v: number) => `${this.plan.workflow.stateMachineArn}:${v}`;
    this.workflowRouting = [{ stateMachineVersionArn: arn(current), weight: 100 }];
    this.workflowVersions = Array.from({ length: newest }, (_, i) => arn(newest - i));
  }

  /** The CreateDeployment calls made so far. */
  createdDeployments() {
    return this.mocks.codedeploy.commandCalls(CreateDeploymentCommand);
  }

  restore(): void {
    Object.values(this.mocks).forEach((mock) => mock.restore());
  }

  private groupAlarms(group: string): string[] {
    const id = Object.keys(this.plan.functions).find(
      (k) => this.plan.functions[k].deploymentGroup === group,
    )!;
    return [`${id}-errors`, ...this.plan.workflowAlarms];
  }

  /** What CodeDeploy does between two looks: shift by the configuration, roll back on an alarm. */
  private advance(deployment: Deployment): void {
    if (deployment.status !== "InProgress") return;
    const { canaryPercent, bakeMinutes } = RELEASE_STRATEGIES[this.plan.strategy];
    const alias = this.aliases.get(deployment.functionName)!;
    if (this.groupAlarms(deployment.group).some((name) => this.alarms.get(name) === "ALARM")) {
      deployment.status = "Stopped";
      this.aliases.set(deployment.functionName, { version: deployment.current });
      return;
    }
    if (this.now - deployment.startedAt >= bakeMinutes * 60_000) {
      deployment.status = "Succeeded";
      this.aliases.set(deployment.functionName, { version: deployment.target });
    } else {
      alias.weights = { [deployment.target]: canaryPercent / 100 };
    }
  }

  private answerCodeDeploy(): void {
    const { codedeploy } = this.mocks;
    codedeploy.on(ListDeploymentsCommand).callsFake((input: { deploymentGroupName: string }) => ({
      deployments: this.deployments
        .filter((d) => d.group === input.deploymentGroupName && d.status === "InProgress")
        .map((d) => d.id),
    }));
    codedeploy
      .on(CreateDeploymentCommand)
      .callsFake(
        (input: { deploymentGroupName: string; revision: { appSpecContent: { content: string } } }) => {
          const spec = JSON.parse(input.revision.appSpecContent.content) as {
            Resources: Record<
              string,
              { Properties: { Name: string; CurrentVersion: string; TargetVersion: string } }
            >[];
          };
          const { Name, CurrentVersion, TargetVersion } = Object.values(spec.Resources[0])[0].Properties;
          const deployment: Deployment = {
            id: `d-${this.deployments.length + 1}`,
            group: input.deploymentGroupName,
            functionName: Name,
            current: CurrentVersion,
            target: TargetVersion,
            startedAt: this.now,
            status: "InProgress",
          };
          this.deployments.push(deployment);
          this.advance(deployment);
          return { deploymentId: deployment.id };
        },
      );
    codedeploy.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => {
      const deployment = this.deployments.find((d) => d.id === input.deploymentId)!;
      this.advance(deployment);
      return { deploymentInfo: { deploymentId: deployment.id, status: deployment.status } };
    });
    codedeploy.on(StopDeploymentCommand).callsFake((input: { deploymentId: string }) => {
      const deployment = this.deployments.find((d) => d.id === input.deploymentId)!;
      deployment.status = "Stopped";
      this.aliases.set(deployment.functionName, { version: deployment.current });
      return { status: "Succeeded" };
    });
  }

  private answerLambda(): void {
    this.mocks.lambda.on(GetAliasCommand).callsFake((input: { FunctionName: string; Name: string }) => {
      const alias = this.aliases.get(input.FunctionName)!;
      return {
        Name: input.Name,
        FunctionVersion: alias.version,
        RoutingConfig: alias.weights ? { AdditionalVersionWeights: alias.weights } : undefined,
      };
    });
    this.mocks.lambda.on(ListVersionsByFunctionCommand).callsFake((input: { FunctionName: string }) => ({
      Versions: [
        { Version: "$LATEST" },
        ...Array.from({ length: this.newestVersion.get(input.FunctionName)! }, (_, i) => ({
          Version: String(i + 1),
        })),
      ],
    }));
  }

  private answerStepFunctions(): void {
    this.mocks.sfn
      .on(DescribeStateMachineAliasCommand)
      .callsFake(() => ({ routingConfiguration: this.workflowRouting }));
    this.mocks.sfn.on(ListStateMachineVersionsCommand).callsFake(() => ({
      stateMachineVersions: this.workflowVersions.slice(0, 1).map((arn) => ({ stateMachineVersionArn: arn })),
    }));
    this.mocks.sfn
      .on(UpdateStateMachineAliasCommand)
      .callsFake((input: { routingConfiguration: Routing }) => {
        this.workflowRouting = input.routingConfiguration;
        this.workflowRoutings.push(input.routingConfiguration);
        return {};
      });
  }
}
