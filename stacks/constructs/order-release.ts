import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { FunctionId } from "../../lambdas/platform/contracts";
import { RELEASE_STRATEGIES } from "../release-strategies";
import { ALARM_READ_ACTIONS, allow, ServiceRole } from "./policy";

export interface OrderReleaseProps {
  readonly namePrefix: string;
  readonly accountId: string;
  /** release_strategy (a Terraform expression). */
  readonly strategy: string;
  /** Each function's live alias, by id. */
  readonly aliases: Readonly<Record<FunctionId, LambdaAlias>>;
  /** Each function's own error alarm, by id. */
  readonly errorAlarms: Readonly<Record<FunctionId, string>>;
  /** Alarms every function's release watches: the API's 5XX and the workflow's failures. */
  readonly sharedAlarms: readonly string[];
}

/**
 * Canary releases of the functions with AWS CodeDeploy: one application, one deployment group per
 * function, each with the strategy's deployment configuration, automatic rollback on failure or on
 * an alarm, and the alarms it watches (its own errors, the API's 5XX, the workflow's failures).
 * Terraform owns this shape; `npm run release` starts the deployments that move each live alias.
 */
export class OrderRelease extends Construct {
  readonly application: CodedeployApp;
  readonly groups: Record<FunctionId, CodedeployDeploymentGroup>;

  constructor(scope: Construct, id: string, props: OrderReleaseProps) {
    super(scope, id);
    this.application = new CodedeployApp(this, "Application", {
      name: `${props.namePrefix}-functions`,
      computePlatform: "Lambda",
    });
    this.application.overrideLogicalId("FunctionReleases");
    const aliases = Object.values(props.aliases);
    // What AWSCodeDeployRoleForLambda grants, scoped to these aliases (no hooks, no S3 AppSpecs).
    const role = new ServiceRole(this, "Role", {
      name: `${props.namePrefix}-codedeploy`,
      servicePrincipal: "codedeploy.amazonaws.com",
      sourceAccount: props.accountId,
      statements: [
        allow(
          "MoveLiveAliases",
          ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
          aliases.map((alias) => alias.arn),
        ),
        // DescribeAlarms cannot be scoped to alarms (policy.ts: UNSCOPABLE_ACTIONS).
        allow("WatchAlarms", [...ALARM_READ_ACTIONS], ["*"]),
      ],
    });
    const configs = Object.fromEntries(
      Object.entries(RELEASE_STRATEGIES).map(([name, strategy]) => [name, strategy.codeDeployConfig]),
    );
    this.groups = Object.fromEntries(
      (Object.keys(props.aliases) as FunctionId[]).map((functionId) => {
        const group = new CodedeployDeploymentGroup(this, `${functionId}Group`, {
          appName: this.application.name,
          deploymentGroupName: functionId,
          serviceRoleArn: role.role.arn,
          deploymentConfigName: Fn.lookup(configs, props.strategy),
          deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
          autoRollbackConfiguration: {
            enabled: true,
            events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
          },
          alarmConfiguration: {
            enabled: true,
            alarms: [props.errorAlarms[functionId], ...props.sharedAlarms],
          },
          dependsOn: role.policy ? [role.policy] : [],
        });
        group.overrideLogicalId(`${functionId}ReleaseGroup`);
        return [functionId, group];
      }),
    ) as Record<FunctionId, CodedeployDeploymentGroup>;
  }
}
