/**
 * Every function publishes versions and is invoked only through its `live` alias: no trigger,
 * permission or task names a bare function ARN or $LATEST.
 */
import { FUNCTIONS } from "../../../lambdas/platform/contracts";
import { LIVE_ALIAS } from "../../../stacks/constructs/order-function";
import { resourcesOf, synthOrderSystem } from "../../support/synth";

const stack = synthOrderSystem("dev");

test("every function publishes a version on each change and has a live alias on its latest version", () => {
  const functions = resourcesOf(stack, "aws_lambda_function");
  const aliases = resourcesOf(stack, "aws_lambda_alias");
  for (const spec of FUNCTIONS) {
    expect(functions[`${spec.id}Lambda`].publish).toBe(true);
    expect(aliases[`${spec.id}LiveAlias`]).toMatchObject({
      name: LIVE_ALIAS,
      function_name: `\${aws_lambda_function.${spec.id}Lambda.function_name}`,
      function_version: `\${aws_lambda_function.${spec.id}Lambda.version}`,
    });
  }
});

test("nothing references a function's unqualified ARN or $LATEST: triggers, permissions and tasks use the alias", () => {
  const { resource, locals } = stack.json as { resource: object; locals: object };
  const text = JSON.stringify({ resource, locals });
  expect(
    text.match(/aws_lambda_function\.\w+\.(arn|invoke_arn|qualified_arn|qualified_invoke_arn)\b/g),
  ).toBeNull();
  expect(text).not.toContain("$LATEST");
  const aliasArn = /^\$\{aws_lambda_alias\.\w+LiveAlias\.(arn|invoke_arn)\}$/;
  // Each kind of trigger, by the attribute that names what it invokes.
  // OrdersQueue's consumer, and OrderEvents on the orders and inventory streams.
  expect(
    Object.values(resourcesOf(stack, "aws_lambda_event_source_mapping")).map((m) => m.function_name),
  ).toEqual([
    expect.stringMatching(aliasArn),
    expect.stringMatching(aliasArn),
    expect.stringMatching(aliasArn),
  ]);
  for (const target of Object.values(resourcesOf(stack, "aws_cloudwatch_event_target"))) {
    if (String(target.arn).includes("lambda")) expect(target.arn).toMatch(aliasArn);
  }
  for (const type of [
    "aws_lambda_permission",
    "aws_lambda_function_event_invoke_config",
    "aws_lambda_invocation",
  ]) {
    for (const [name, block] of Object.entries(resourcesOf(stack, type))) {
      expect([name, block.qualifier]).toEqual([
        name,
        expect.stringMatching(/^\$\{aws_lambda_alias\.\w+LiveAlias\.name\}$/),
      ]);
    }
  }
});

test("each function has a CodeDeploy deployment group that rolls back on its errors, the API's 5XX and the workflow's failures", () => {
  const groups = resourcesOf(stack, "aws_codedeploy_deployment_group");
  expect(resourcesOf(stack, "aws_codedeploy_app").FunctionReleases).toMatchObject({
    compute_platform: "Lambda",
  });
  for (const spec of FUNCTIONS) {
    expect(groups[`${spec.id}ReleaseGroup`]).toMatchObject({
      app_name: "${aws_codedeploy_app.FunctionReleases.name}",
      deployment_group_name: spec.id,
      deployment_style: { deployment_option: "WITH_TRAFFIC_CONTROL", deployment_type: "BLUE_GREEN" },
      auto_rollback_configuration: {
        enabled: true,
        events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
      },
      alarm_configuration: {
        enabled: true,
        alarms: [
          `\${aws_cloudwatch_metric_alarm.${spec.id}LambdaErrorsAlarm.alarm_name}`,
          "${aws_cloudwatch_metric_alarm.ApiServerErrorsAlarm.alarm_name}",
          "${aws_cloudwatch_metric_alarm.OrderProcessingWorkflowFailureAlarm.alarm_name}",
        ],
      },
    });
    // The strategy picks CodeDeploy's configuration by name.
    expect(groups[`${spec.id}ReleaseGroup`].deployment_config_name).toMatch(/\[var\.release_strategy\]\}$/);
  }
});

test("Terraform does not fight a release: the aliases' versions and routing are the release's", () => {
  for (const alias of Object.values(resourcesOf(stack, "aws_lambda_alias"))) {
    expect(alias.lifecycle).toEqual({ ignore_changes: ["function_version", "routing_config"] });
  }
  expect(resourcesOf(stack, "aws_sfn_alias").OrderProcessingLiveAlias).toMatchObject({
    name: "live",
    routing_configuration: [
      {
        state_machine_version_arn:
          "${aws_sfn_state_machine.OrderProcessingStateMachine.state_machine_version_arn}",
        weight: 100,
      },
    ],
    lifecycle: { ignore_changes: ["routing_configuration"] },
  });
});

test("the workflow publishes versions, and executions start on its alias (the consumer's and reconciler's STATE_MACHINE_ARN)", () => {
  expect(resourcesOf(stack, "aws_sfn_state_machine").OrderProcessingStateMachine.publish).toBe(true);
  const functions = resourcesOf(stack, "aws_lambda_function");
  for (const id of ["StartOrderProcessing", "ReconcileOrders"]) {
    const variables = (functions[`${id}Lambda`].environment as { variables: Record<string, string> })
      .variables;
    expect(variables.STATE_MACHINE_ARN).toMatch(/:stateMachine:ecommerce-dev-order-processing:live$/);
  }
});

test("provisioned concurrency on OrderPlacement's alias exists only when provisioned_concurrency is at least 1", () => {
  expect(
    resourcesOf(stack, "aws_lambda_provisioned_concurrency_config").ApiProvisionedConcurrency,
  ).toMatchObject({
    count: "${(var.provisioned_concurrency >= 1) ? 1 : 0}",
    function_name: "${aws_lambda_function.OrderPlacementLambda.function_name}",
    qualifier: "${aws_lambda_alias.OrderPlacementLiveAlias.name}",
    provisioned_concurrent_executions: "${var.provisioned_concurrency}",
  });
});

test("release_strategy defaults per environment: all at once in dev, a canary in prod", () => {
  const variables = (s: typeof stack) => s.json.variable as Record<string, { default?: unknown }>;
  expect(variables(stack).release_strategy.default).toBe("all-at-once");
  expect(variables(synthOrderSystem("prod")).release_strategy.default).toBe("canary-10-percent-5-minutes");
});
