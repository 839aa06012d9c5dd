/**
 * Every function publishes versions and is invoked only through its `live` alias: no trigger,
 * permission or task names a bare function ARN or $LATEST.
 */
import { FUNCTIONS } from "../../../lambdas/contracts";
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
  expect(
    Object.values(resourcesOf(stack, "aws_lambda_event_source_mapping")).map((m) => m.function_name),
  ).toEqual([expect.stringMatching(aliasArn)]);
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
