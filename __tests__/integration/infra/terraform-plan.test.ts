/**
 * Terraform itself accepts what we synthesize: offline `init`, `validate` and `plan` of every stack
 * the app writes, against the AWS provider schema (see scripts/offline-plan/terraform-harness.ts).
 * Skipped with a message when no terraform CLI is present, unless REQUIRE_TERRAFORM=1 (CI).
 */
import { App } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUNCTIONS } from "../../../lambdas/contracts";
import { ENVIRONMENTS, loadBackendConfig } from "../../../stacks/config";
import { OrderSystemStack } from "../../../stacks/order-system-stack";
import { StateBackendStack } from "../../../stacks/state-backend-stack";
import { startAwsStub, validateDefinition } from "../../../scripts/offline-plan/aws-stub-server";
import {
  findTerraform,
  listStacks,
  planStacks,
  type PlanSummary,
} from "../../../scripts/offline-plan/terraform-harness";
import { buildOrderWorkflowDefinition } from "../../../lambdas/shared/workflow-definition";

const terraform = findTerraform();
const required = process.env.REQUIRE_TERRAFORM === "1";
if (!terraform) {
  if (required)
    throw new Error("REQUIRE_TERRAFORM=1 but no terraform CLI was found on PATH (or TERRAFORM_BIN).");
  console.warn(
    "terraform CLI not found: skipping the offline validate/plan tests (set REQUIRE_TERRAFORM=1 to fail instead).",
  );
}
const describeWithTerraform = terraform ? describe : describe.skip;

jest.setTimeout(240_000);

/** What every order-system plan must create: each component of the system, by type and count. */
const ORDER_SYSTEM_COMPONENTS: Record<string, number> = {
  aws_api_gateway_rest_api: 1,
  aws_api_gateway_method: 4,
  aws_api_gateway_integration: 4,
  aws_api_gateway_deployment: 1,
  aws_api_gateway_stage: 1,
  aws_lambda_function: FUNCTIONS.length,
  aws_cloudwatch_log_group: FUNCTIONS.length + 2,
  aws_s3_object: FUNCTIONS.length,
  aws_s3_bucket: 1,
  aws_s3_bucket_policy: 1,
  aws_dynamodb_table: 2,
  aws_sqs_queue: 3,
  aws_lambda_function_event_invoke_config: 1,
  aws_lambda_event_source_mapping: 1,
  aws_sns_topic: 3,
  aws_sns_topic_subscription: 3,
  aws_sfn_state_machine: 1,
  aws_cloudwatch_event_rule: 1,
  aws_cloudwatch_event_target: 1,
  aws_cloudwatch_dashboard: 1,
  aws_lambda_invocation: 1,
  aws_kms_key: 1,
};

describeWithTerraform("offline terraform validate + plan", () => {
  let summaries: PlanSummary[];
  const synthDir = mkdtempSync(join(tmpdir(), "order-system-synth-"));

  beforeAll(async () => {
    const backend = loadBackendConfig(process.cwd());
    const app = new App({ outdir: synthDir });
    new StateBackendStack(app, "state-backend", backend);
    for (const environment of ENVIRONMENTS) {
      new OrderSystemStack(app, `order-system-${environment.name}`, { environment, backend });
    }
    app.synth();
    summaries = await planStacks(
      { projectRoot: process.cwd(), synthDir, terraformBin: terraform },
      listStacks(synthDir),
    );
  });
  afterAll(() => rmSync(synthDir, { recursive: true, force: true }));

  test("every stack the app synthesizes is planned", () => {
    expect(summaries.map((s) => s.stack).sort()).toEqual([
      "order-system-dev",
      "order-system-prod",
      "state-backend",
    ]);
  });

  test.each(ENVIRONMENTS.map((e) => [`order-system-${e.name}`, e] as const))(
    "%s validates and plans every component",
    (stack, env) => {
      const summary = summaries.find((s) => s.stack === stack)!;
      expect(summary.validate.valid).toBe(true);
      expect(summary.toCreate).toMatchObject(ORDER_SYSTEM_COMPONENTS);
      // A role per function, the state machine's, and API Gateway's CloudWatch role where managed.
      expect(summary.toCreate.aws_iam_role).toBe(
        FUNCTIONS.length + 1 + (env.manageApiGatewayAccount ? 1 : 0),
      );
      expect(summary.substitutedArchives).toHaveLength(FUNCTIONS.length);
    },
  );

  test("the bootstrap stack plans the state bucket and lock table", () => {
    const summary = summaries.find((s) => s.stack === "state-backend")!;
    expect(summary.toCreate).toMatchObject({
      aws_s3_bucket: 1,
      aws_dynamodb_table: 1,
      aws_s3_bucket_policy: 1,
    });
  });
});

describe("the offline Step Functions stub", () => {
  const resources = {
    functionArn: (id: string) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`,
    ordersTableName: "orders",
    orderErrorTopicArn: "arn:aws:sns:us-east-1:123456789012:e",
    criticalAlertsTopicArn: "arn:aws:sns:us-east-1:123456789012:c",
  };

  test("answers ValidateStateMachineDefinition with asl-validator's verdict", async () => {
    const stub = await startAwsStub();
    try {
      const call = (definition: unknown) =>
        fetch(stub.url, {
          method: "POST",
          headers: {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AWSStepFunctions.ValidateStateMachineDefinition",
          },
          body: JSON.stringify({ definition: JSON.stringify(definition), type: "STANDARD" }),
        }).then((r) => r.json() as Promise<{ result: string; diagnostics: unknown[] }>);
      expect(await call(buildOrderWorkflowDefinition(resources))).toMatchObject({
        result: "OK",
        diagnostics: [],
      });
      const broken = await call({ StartAt: "Missing", States: {} });
      expect(broken.result).toBe("FAIL");
      expect(broken.diagnostics.length).toBeGreaterThan(0);
      const identity = await (
        await fetch(stub.url, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" })
      ).text();
      expect(identity).toContain("<Account>123456789012</Account>");
    } finally {
      await stub.close();
    }
  });

  test("reports invalid JSON as a diagnostic", () => {
    expect(validateDefinition("{")).toMatchObject({
      result: "FAIL",
      diagnostics: [{ code: "INVALID_JSON_DESCRIPTION" }],
    });
  });
});
