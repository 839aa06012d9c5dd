/** The security and operations baseline holds for every stack, and each check can fail. */
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { App, Testing } from "cdktf";
import { ENVIRONMENTS, loadBackendConfig } from "../../../stacks/config";
import { OrderSystemStack } from "../../../stacks/order-system-stack";
import {
  checkBaseline,
  enforceSecurityBaseline,
  RULES,
  type SynthesizedStack,
} from "../../../stacks/policy-checks";
import { StateBackendStack } from "../../../stacks/state-backend-stack";
import { InsecureStack } from "../../fixtures/insecure-stack";

const synth = (build: (app: App) => Parameters<typeof Testing.synth>[0]): SynthesizedStack =>
  JSON.parse(Testing.synth(build(Testing.app())));
const backend = loadBackendConfig(process.cwd());

describe.each(ENVIRONMENTS.map((e) => [e.name, e]))("order-system-%s", (_, environment) => {
  const stack = synth(
    (app) => new OrderSystemStack(app, `order-system-${environment.name}`, { environment, backend }),
  );

  test("meets the whole baseline", () => {
    expect(checkBaseline(stack)).toEqual([]);
  });

  test("IAM: every Allow statement names its actions and resources (documented exceptions only)", () => {
    const docs = Object.entries(
      (stack.data?.aws_iam_policy_document ?? {}) as Record<
        string,
        { statement: { effect?: string; actions?: string[]; resources?: string[] }[] }
      >,
    );
    expect(docs.length).toBeGreaterThan(10);
    const starResources = docs.flatMap(([name, doc]) =>
      doc.statement
        .filter((st) => st.effect !== "Deny" && st.resources?.includes("*"))
        .map((st) => `${name}: ${st.actions?.join(",")}`),
    );
    // Only X-Ray, vended-log delivery, the KMS key policy, CodeDeploy reading alarms and Lambda's network interfaces in a VPC
    // (counted: only with vpc_mode other than none) use "*", each commented where written.
    for (const entry of starResources) {
      expect(entry).toMatch(
        /xray:|logs:CreateLogDelivery|KeyPolicy|_VpcAccess: ec2:CreateNetworkInterface|Release_Role_Permissions_\w+: cloudwatch:DescribeAlarms$|Workflow_Role_\w*Permissions_\w+: cloudwatch:PutMetricData$/,
      );
    }
  });
});

test("the state-backend stack meets the baseline", () => {
  const stack = synth((app) => new StateBackendStack(app, "state-backend", backend));
  expect(checkBaseline(stack)).toEqual([]);
});

describe("a deliberately insecure stack", () => {
  const findings = checkBaseline(synth((app) => new InsecureStack(app, "insecure")));

  test.each(RULES.map((rule) => [rule]))("fails rule %s, naming the resource", (rule) => {
    const hits = findings.filter((f) => f.rule === rule);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit.message).toContain(hit.resource);
  });

  test("names the offending resources", () => {
    const byRule = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.resource);
    expect(byRule("s3-encryption")).toEqual(["aws_s3_bucket.OpenBucket"]);
    expect(byRule("sqs-dead-letter")).toEqual(["aws_sqs_queue.PlainQueue"]);
    expect(byRule("lambda-own-role")).toEqual([
      "aws_lambda_function.Fn_first",
      "aws_lambda_function.Fn_second",
    ]);
    expect(byRule("lambda-log-retention")).toEqual([
      "aws_lambda_function.Fn_first",
      "aws_lambda_function.Fn_second",
    ]);
    expect(byRule("iam-wildcard-action")).toContain("data.aws_iam_policy_document.BroadPolicy (AllOfDynamo)");
    expect(byRule("iam-wildcard-action")).toContain(
      "data.aws_iam_policy_document.BroadPolicy (SomeOfDynamo)",
    );
    expect(byRule("iam-wildcard-resource")).toEqual([
      "data.aws_iam_policy_document.AdminPolicy (Everything)",
    ]);
    expect(byRule("alarm-action")).toEqual(["aws_cloudwatch_metric_alarm.SilentAlarm"]);
    expect(byRule("dynamodb-pitr")).toEqual(["aws_dynamodb_table.UnprotectedTable"]);
    // The anonymous order route is a finding; the public catalog on the same API is not.
    expect(byRule("api-authorizer")).toEqual(["aws_api_gateway_method.AnonymousOrders"]);
    expect(byRule("waf-association")).toEqual(["aws_api_gateway_stage.UnguardedStage"]);
    expect(byRule("waf-log-retention")).toEqual(["aws_cloudwatch_log_group.EndlessWafLogs"]);
    expect(byRule("lambda-in-vpc")).toEqual([
      "aws_lambda_function.Fn_first",
      "aws_lambda_function.Fn_second",
    ]);
    expect(byRule("sg-open-ingress")).toEqual([
      "aws_security_group.OpenGroup",
      "aws_vpc_security_group_ingress_rule.OpenRule",
    ]);
    expect(byRule("secret-in-state")).toEqual([
      "aws_secretsmanager_secret_version.PaymentKeyValue",
      "aws_lambda_function.Fn_first",
    ]);
  });
});

describe("api-authorizer", () => {
  test("an order route of the order system that loses its authorizer is refused at synth", () => {
    const stack = new OrderSystemStack(Testing.app(), "order-system-dev", { environment: ENVIRONMENTS[0] });
    const getOrder = stack.node
      .findAll()
      .find((c) => c.node.id === "Method_GET_orders__orderId_") as unknown as {
      addOverride(path: string, value: unknown): void;
    };
    getOrder.addOverride("authorization", "NONE");
    expect(() => Testing.synth(stack, true)).toThrow(
      /api-authorizer broken by aws_api_gateway_method\.Api_Method_GET_orders__orderId__\w+: .*\(GET \/orders\/\{orderId\}\) is open to anyone/,
    );
  });

  test("methods governed by api_auth (the documented opt-out) pass; literal NONE does not", () => {
    const base = synth((app) => new InsecureStack(app, "insecure"));
    const method = base.resource!.aws_api_gateway_method.AnonymousOrders;
    method.authorization = '${var.api_auth == "cognito" ? "COGNITO_USER_POOLS" : "NONE"}';
    expect(checkBaseline(base).filter((f) => f.rule === "api-authorizer")).toEqual([]);
    method.authorization = "COGNITO_USER_POOLS";
    expect(checkBaseline(base).filter((f) => f.rule === "api-authorizer")).toEqual([]);
  });
});

describe("the baseline is enforced at synth", () => {
  test("a stack that breaks a rule is refused, naming the rule and the resource", () => {
    const stack = new InsecureStack(Testing.app(), "insecure");
    enforceSecurityBaseline(stack);
    expect(() => Testing.synth(stack, true)).toThrow(
      /security baseline rule s3-encryption broken by aws_s3_bucket\.OpenBucket/,
    );
  });

  test("an order-system stack given a wildcard grant is refused at synth", () => {
    const app = Testing.app();
    const stack = new OrderSystemStack(app, "order-system-dev", { environment: ENVIRONMENTS[0] });
    new DataAwsIamPolicyDocument(stack, "Loose", {
      statement: [{ sid: "All", actions: ["*"], resources: ["*"] }],
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /iam-wildcard-action broken by data\.aws_iam_policy_document\.Loose/,
    );
  });

  test("the order-system and state-backend stacks pass synth with validations", () => {
    const app = Testing.app();
    const orderSystem = new OrderSystemStack(app, "order-system-prod", {
      environment: ENVIRONMENTS[1],
      backend,
    });
    const stateBackend = new StateBackendStack(app, "state-backend", backend);
    expect(() => Testing.synth(orderSystem, true)).not.toThrow();
    expect(() => Testing.synth(stateBackend, true)).not.toThrow();
  });
});
