/**
 * Terraform itself accepts what we synthesize: offline `init`, `validate` and `plan` of every stack
 * the app writes, against the AWS provider schema (see scripts/offline-plan/terraform-harness.ts).
 * Skipped with a message when no terraform CLI is present, unless REQUIRE_TERRAFORM=1 (CI).
 */
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUNCTIONS } from "../../../lambdas/platform/contracts";
import { ENVIRONMENTS, loadBackendConfig, loadEnvironments, regionVariable } from "../../../stacks/config";
import { OrderSystemStack } from "../../../stacks/order-system-stack";
import { StateBackendStack } from "../../../stacks/state-backend-stack";
import { startAwsStub, validateDefinition } from "../../../scripts/offline-plan/aws-stub-server";
import {
  findTerraform,
  listStacks,
  planStacks,
  type PlanSummary,
  type PlanVariant,
  type VariantResult,
} from "../../../scripts/offline-plan/terraform-harness";
import { buildOrderWorkflowDefinition } from "../../../lambdas/workflow/definition";

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

// Three stacks and two accepted variants, planned as modules of one root module: about a minute
// alone on two cores, up to three next to other suites.
jest.setTimeout(420_000);

/** What every order-system plan must create: each component of the system, by type and count. */
const ORDER_SYSTEM_COMPONENTS: Record<string, number> = {
  aws_api_gateway_rest_api: 1,
  // The routes of the route table and the root method: customers' and the public catalogue's
  // (OrderPlacement), after the sale (AfterSale), their data (CustomerData), the catalogue's staff
  // (CatalogAdmin) and Stripe's webhook (PaymentEvents).
  aws_api_gateway_method: 20,
  aws_api_gateway_integration: 20,
  aws_api_gateway_authorizer: 1,
  aws_cognito_user_pool: 1,
  // The storefront's, and the operators' (smoke test).
  aws_cognito_user_pool_client: 2,
  aws_api_gateway_deployment: 1,
  aws_api_gateway_stage: 1,
  aws_lambda_function: FUNCTIONS.length,
  // Each function's live alias and CodeDeploy deployment group; the workflow's alias.
  aws_lambda_alias: FUNCTIONS.length,
  aws_codedeploy_app: 1,
  aws_codedeploy_deployment_group: FUNCTIONS.length,
  aws_sfn_alias: 1,
  // A log group per function, the API's access logs and the workflow's (WAF's, where on: below).
  aws_cloudwatch_log_group: FUNCTIONS.length + 2,
  aws_s3_object: FUNCTIONS.length,
  aws_s3_bucket: 1,
  aws_s3_bucket_policy: 1,
  // Inventory, stock movements, orders, idempotency keys, e-mail suppression.
  aws_dynamodb_table: 5,
  // OrdersQueue and its dead letters, the confirmations', the outbox's and the order events'.
  aws_sqs_queue: 5,
  aws_pipes_pipe: 1,
  aws_lambda_function_event_invoke_config: 1,
  // OrdersQueue's consumer; OrderEvents on the orders and inventory streams.
  aws_lambda_event_source_mapping: 3,
  // The order event bus, its archive (order_event_archive_days = 30) and its schemas (none of the
  // subscriptions' resources: order_event_subscriptions = []).
  aws_cloudwatch_event_bus: 1,
  aws_cloudwatch_event_archive: 1,
  aws_schemas_registry: 1,
  aws_schemas_schema: 10,
  // The three seed topics and EmailFeedbackTopic (customer_emails = on, the default).
  aws_sns_topic: 4,
  // The operator's e-mail on CriticalAlertsTopic; EmailFeedbackLambda on EmailFeedbackTopic.
  aws_sns_topic_subscription: 2,
  aws_sesv2_email_identity: 1,
  aws_sesv2_configuration_set: 1,
  aws_sesv2_configuration_set_event_destination: 1,
  aws_ses_template: 8,
  aws_sfn_state_machine: 1,
  aws_scheduler_schedule: 2,
  aws_cloudwatch_event_rule: 1,
  aws_cloudwatch_event_target: 1,
  aws_cloudwatch_dashboard: 1,
  aws_lambda_invocation: 1,
  aws_kms_key: 1,
};

/** Where the prod stack is planned (dev stays in us-east-1). */
const PROD_PLAN_REGION = "eu-central-1";

/** The other value of each API setting, planned once, plus values Terraform must refuse. */
const STOREFRONT_ORIGINS = ["https://shop.example.com", "https://m.shop.example.com"];
const OTHER_VALUES =
  "open API with CORS, Express workflow, a longer canary, other payment alarm settings, vpc_mode = create";
/** Stripe needs Standard (the wait for 3-D Secure) and a route to the internet: an existing VPC's. */
const STRIPE_IN_EXISTING_VPC = "vpc_mode = existing, Stripe payments, a sender domain";
const EXISTING_VPC_WITHOUT_SUBNETS = "existing VPC without subnets, an unknown workflow_type";
const STRIPE_REFUSED = "Stripe in a VPC without a route, and with an Express workflow";
const REFUSED_VALUES = "a value each variable's validation refuses";
const DEV_VARIANTS: PlanVariant[] = [
  {
    // The other value of independent settings, planned together: one plan, not one per setting.
    label: OTHER_VALUES,
    vars: {
      workflow_type: "EXPRESS",
      stuck_order_minutes: "30",
      release_strategy: "canary-10-percent-15-minutes",
      provisioned_concurrency: "2",
      api_auth: "none",
      allowed_origins: JSON.stringify(STOREFRONT_ORIGINS),
      customer_emails: "off",
      order_event_emails: "true",
      payment_action_timeout_minutes: "45",
      decline_rate_alarm_percent: "50",
      idempotency_key_ttl_hours: "48",
      reconcile_days: "7",
      low_stock_threshold: "0",
      return_window_days: "0",
      order_event_archive_days: "0",
      order_event_subscriptions: JSON.stringify([
        { name: "warehouse", url: "https://wms.example.com/hooks/orders", detail_types: ["Order Confirmed"] },
        {
          name: "ledger",
          url: "https://erp.example.com/events",
          detail_types: ["Order Refunded", "Return Received"],
          api_key_header: "authorization-key",
        },
      ]),
      vpc_mode: "create",
    },
  },
  {
    // A sender domain needs customer e-mail on (the default), which OTHER_VALUES turns off.
    label: STRIPE_IN_EXISTING_VPC,
    vars: {
      vpc_mode: "existing",
      vpc_subnet_ids: '["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]',
      vpc_security_group_ids: '["sg-0123456789abcdef0"]',
      payment_provider: "stripe",
      sender_domain: "shop.example.com",
      sender_email: "hello@shop.example.com",
    },
  },
  {
    // workflow_type's rules read payment_provider, which Terraform skips while that one is refused
    // (REFUSED_VALUES): its unknown value is refused here, beside another refusal.
    label: EXISTING_VPC_WITHOUT_SUBNETS,
    vars: { vpc_mode: "existing", workflow_type: "express" },
  },
  {
    // Two refused combinations with Stripe in one plan: each validation reports its own message.
    label: STRIPE_REFUSED,
    vars: { vpc_mode: "create", payment_provider: "stripe", workflow_type: "EXPRESS" },
  },
  {
    // Terraform checks every variable's own validation before planning and reports each failure:
    // one plan refuses all of these at once, each with its own message (asserted one by one below).
    label: REFUSED_VALUES,
    vars: {
      api_auth: "open",
      payment_provider: "paypal",
      customer_emails: "yes",
      stuck_order_minutes: "4",
      payment_action_timeout_minutes: "0",
      decline_rate_alarm_percent: "101",
      idempotency_key_ttl_hours: "0",
      reconcile_days: "31",
      low_stock_threshold: "2.5",
      return_window_days: "366",
      order_event_archive_days: "-1",
      // Three refusals in one value: a plain-HTTP url, an unknown detail-type, a name used twice.
      order_event_subscriptions: JSON.stringify([
        { name: "wms", url: "http://wms.example.com/hooks", detail_types: ["Order Confirmed"] },
        { name: "wms", url: "https://wms.example.com/hooks", detail_types: ["Order Exploded"] },
      ]),
      release_strategy: "big-bang",
      provisioned_concurrency: "1.5",
      sender_domain: "shop.example.com",
      sender_email: "orders@elsewhere.example.com",
      allowed_origins: '["https://shop.example.com/"]',
    },
  },
];

interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

/** Every resource a saved plan would create, with its planned values. */
function plannedResources(planJsonPath: string): PlannedResource[] {
  const plan = JSON.parse(readFileSync(planJsonPath, "utf8")) as {
    planned_values: { root_module: { resources: PlannedResource[] } };
  };
  return plan.planned_values.root_module.resources;
}

const ofType = (resources: PlannedResource[], type: string) => resources.filter((r) => r.type === type);

describeWithTerraform("offline terraform validate + plan", () => {
  let summaries: PlanSummary[];
  const synthDir = mkdtempSync(join(tmpdir(), "order-system-synth-"));

  beforeAll(async () => {
    const backend = loadBackendConfig(process.cwd());
    const app = new App({ outdir: synthDir });
    new StateBackendStack(app, "state-backend", backend);
    // Prod is planned in another region than dev: the one plan that proves a region is a setting.
    for (const environment of loadEnvironments({ [regionVariable("prod")]: PROD_PLAN_REGION })) {
      new OrderSystemStack(app, `order-system-${environment.name}`, { environment, backend });
    }
    app.synth();
    summaries = await planStacks(
      {
        projectRoot: process.cwd(),
        synthDir,
        terraformBin: terraform,
        variants: { "order-system-dev": DEV_VARIANTS },
        // A plan validates the configuration it plans: a failed validation fails the plan (and
        // this suite); `npm run plan:offline` still runs `terraform validate` on its own.
        // Refused variants are refused by the stack's variable blocks alone, before the plan.
        validateSeparately: false,
      },
      listStacks(synthDir),
    );
  });
  afterAll(() => rmSync(synthDir, { recursive: true, force: true }));

  test(`a stack set to ${PROD_PLAN_REGION} plans there: its provider, its resources and its synthesized JSON name no other region`, () => {
    const prod = summaries.find((s) => s.stack === "order-system-prod")!;
    const plan = JSON.parse(readFileSync(prod.planJsonPath, "utf8")) as {
      configuration: { provider_config: { aws: { expressions: { region: { constant_value: string } } } } };
    };
    expect(plan.configuration.provider_config.aws.expressions.region.constant_value).toBe(PROD_PLAN_REGION);
    // The state bucket's region is the backend's own, not the stack's.
    const synthesized = readFileSync(
      join(synthDir, "stacks", "order-system-prod", "cdk.tf.json"),
      "utf8",
    ).replace(/"backend":\s*\{[\s\S]*?\}\s*\}/, "");
    expect(synthesized).not.toContain("us-east-1");
    expect(readFileSync(prod.planJsonPath, "utf8")).not.toMatch(/"region":\s*"us-east-1"/);
  });

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
      expect(summary.toCreate).toMatchObject({
        ...ORDER_SYSTEM_COMPONENTS,
        aws_cloudwatch_log_group: ORDER_SYSTEM_COMPONENTS.aws_cloudwatch_log_group + (env.enableWaf ? 1 : 0),
      });
      // A role per function, the state machine's, the outbox pipe's, the reconciler schedule's,
      // CodeDeploy's (releases), and API Gateway's CloudWatch role where managed.
      expect(summary.toCreate.aws_iam_role).toBe(
        FUNCTIONS.length + 4 + (env.manageApiGatewayAccount ? 1 : 0),
      );
      expect(summary.substitutedArchives).toHaveLength(FUNCTIONS.length);
    },
  );

  test("api_auth = cognito (default): every order route takes the Cognito authorizer; no CORS", () => {
    const planned = plannedResources(summaries.find((s) => s.stack === "order-system-dev")!.planJsonPath);
    const methods = ofType(planned, "aws_api_gateway_method");
    const byAuth = (auth: string) => methods.filter((m) => m.values.authorization === auth);
    expect(
      byAuth("COGNITO_USER_POOLS")
        .map((m) => m.values.http_method)
        .sort(),
    ).toEqual(["DELETE", "GET", "GET", "GET", "GET", "PATCH", ...Array<string>(11).fill("POST")]);
    // The catalogue (GET /products, GET /products/{productId}) and POST /webhooks/stripe (Stripe's
    // signature is checked by PaymentEvents), public.
    expect(
      byAuth("NONE")
        .map((m) => m.values.http_method)
        .sort(),
    ).toEqual(["GET", "GET", "POST"]);
    expect(methods.some((m) => m.values.http_method === "OPTIONS")).toBe(false);
    for (const response of ofType(planned, "aws_api_gateway_gateway_response")) {
      expect(response.values.response_parameters ?? {}).toEqual({});
    }
  });

  test("api_auth = none with allowed_origins: no authorizer on any route, a preflight on every storefront resource", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[OTHER_VALUES];
    expect(variant).toMatchObject({ ok: true });
    const planned = plannedResources((variant as Extract<VariantResult, { ok: true }>).planJsonPath);
    const methods = ofType(planned, "aws_api_gateway_method");
    expect(methods.every((m) => m.values.authorization === "NONE" && m.values.authorizer_id == null)).toBe(
      true,
    );
    // "/", /orders, /orders/{orderId}, /products, /products/{productId}.
    expect(methods.filter((m) => m.values.http_method === "OPTIONS")).toHaveLength(5);
    const preflights = ofType(planned, "aws_api_gateway_integration_response");
    expect(preflights).toHaveLength(5);
    const template = (preflights[0].values.response_templates as Record<string, string>)["application/json"];
    expect(template).toContain(
      `$origin == '${STOREFRONT_ORIGINS[0]}' || $origin == '${STOREFRONT_ORIGINS[1]}'`,
    );
    for (const response of ofType(planned, "aws_api_gateway_gateway_response")) {
      expect(response.values.response_parameters).toMatchObject({
        "gatewayresponse.header.Access-Control-Allow-Origin": `'${STOREFRONT_ORIGINS[0]}'`,
        "gatewayresponse.header.Vary": "'Origin'",
      });
    }
  });

  test("workflow_type = STANDARD (default) and EXPRESS: both plan, each as its own state machine type", () => {
    // The definition, rule pattern and role policy name resources created by the plan, so Terraform
    // knows them only at apply: their per-type content is asserted on the synthesized JSON.
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const express = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const typeOf = (planJsonPath: string) =>
      ofType(plannedResources(planJsonPath), "aws_sfn_state_machine").map((m) => m.values.type);
    expect(typeOf(dev.planJsonPath)).toEqual(["STANDARD"]);
    expect(typeOf(express.planJsonPath)).toEqual(["EXPRESS"]);
  });

  test("payment_action_timeout_minutes = 30 (default) and 45 reach the reconciler; decline_rate_alarm_percent = 30 and 50 DeclineRateAlarm", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const settingsOf = (planJsonPath: string) => {
      const planned = plannedResources(planJsonPath);
      const fn = ofType(planned, "aws_lambda_function").find((f) => f.name === "ReconcileOrdersLambda")!;
      const [environment] = fn.values.environment as { variables: Record<string, string> }[];
      const alarm = ofType(planned, "aws_cloudwatch_metric_alarm").find(
        (a) => a.name === "DeclineRateAlarm",
      )!;
      return [environment.variables.PAYMENT_ACTION_TIMEOUT_MINUTES, alarm.values.threshold];
    };
    expect(settingsOf(dev.planJsonPath)).toEqual(["30", 30]);
    expect(settingsOf(other.planJsonPath)).toEqual(["45", 50]);
  });

  test("idempotency_key_ttl_hours = 24 (default) and 48 reach OrderPlacement; the keys table expires records on expiresAt", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const hoursOf = (planJsonPath: string) => {
      const fn = ofType(plannedResources(planJsonPath), "aws_lambda_function").find(
        (f) => f.name === "OrderPlacementLambda",
      )!;
      return (fn.values.environment as { variables: Record<string, string> }[])[0].variables
        .IDEMPOTENCY_KEY_TTL_HOURS;
    };
    expect(hoursOf(dev.planJsonPath)).toBe("24");
    expect(hoursOf(other.planJsonPath)).toBe("48");
    const keys = ofType(plannedResources(dev.planJsonPath), "aws_dynamodb_table").find(
      (t) => t.name === "OrderKeysTable",
    )!;
    expect(keys.values.ttl).toEqual([{ attribute_name: "expiresAt", enabled: true }]);
    const orders = ofType(plannedResources(dev.planJsonPath), "aws_dynamodb_table").find(
      (t) => t.name === "OrdersTable",
    )!;
    expect(orders.values.ttl ?? []).not.toContainEqual(expect.objectContaining({ enabled: true }));
  });

  test("reconcile_days = 3 (default) and 7 reach ReconcilePayments; its schedule runs daily through the reconcilers' role", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const daysOf = (planJsonPath: string) => {
      const fn = ofType(plannedResources(planJsonPath), "aws_lambda_function").find(
        (f) => f.name === "ReconcilePaymentsLambda",
      )!;
      return (fn.values.environment as { variables: Record<string, string> }[])[0].variables.RECONCILE_DAYS;
    };
    expect(daysOf(dev.planJsonPath)).toBe("3");
    expect(daysOf(other.planJsonPath)).toBe("7");
    const schedule = ofType(plannedResources(dev.planJsonPath), "aws_scheduler_schedule").find(
      (s) => s.name === "PaymentReconcilerSchedule",
    )!;
    expect(schedule.values).toMatchObject({ schedule_expression: "cron(15 3 * * ? *)" });
  });

  test("low_stock_threshold = 5 (default) and 0 plan, return_window_days = 30 (default) and 0; the movements table is keyed by product and seq", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    // The functions' environment is unknown until the topic exists; the synth tests check that
    // LOW_STOCK_THRESHOLD is tostring(var.low_stock_threshold). Here: the values plan as given.
    const thresholdOf = (planJsonPath: string) =>
      (JSON.parse(readFileSync(planJsonPath, "utf8")) as { variables: Record<string, { value: unknown }> })
        .variables.low_stock_threshold.value;
    expect(Number(thresholdOf(dev.planJsonPath))).toBe(5);
    expect(Number(thresholdOf(other.planJsonPath))).toBe(0);
    // return_window_days likewise: 30 by default, 0 (returns off) accepted.
    const windowOf = (planJsonPath: string) =>
      (JSON.parse(readFileSync(planJsonPath, "utf8")) as { variables: Record<string, { value: unknown }> })
        .variables.return_window_days.value;
    expect(Number(windowOf(dev.planJsonPath))).toBe(30);
    expect(Number(windowOf(other.planJsonPath))).toBe(0);
    const movements = ofType(plannedResources(dev.planJsonPath), "aws_dynamodb_table").find(
      (t) => t.name === "StockMovementsTable",
    )!;
    expect(movements.values).toMatchObject({
      hash_key: "productId",
      range_key: "seq",
      attribute: expect.arrayContaining([
        { name: "productId", type: "S" },
        { name: "seq", type: "N" },
      ]),
      point_in_time_recovery: [expect.objectContaining({ enabled: true })],
      server_side_encryption: [expect.objectContaining({ enabled: true })],
    });
  });

  test("stuck_order_minutes = 15 (default) and 30 reach the reconciler; the schedule runs every 5 minutes", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const minutesOf = (planJsonPath: string) => {
      const planned = plannedResources(planJsonPath);
      const fn = ofType(planned, "aws_lambda_function").find((f) => f.name === "ReconcileOrdersLambda")!;
      const [environment] = fn.values.environment as { variables: Record<string, string> }[];
      return environment.variables.STUCK_ORDER_MINUTES;
    };
    expect(minutesOf(dev.planJsonPath)).toBe("15");
    expect(minutesOf(other.planJsonPath)).toBe("30");
    const schedule = ofType(plannedResources(dev.planJsonPath), "aws_scheduler_schedule").find(
      (s) => s.name === "OrderReconcilerSchedule",
    )!;
    expect(schedule.values.schedule_expression).toBe("rate(5 minutes)");
  });

  test("release_strategy picks CodeDeploy's configuration (dev: all at once; prod: a 10 % canary for 5 minutes; 15 minutes); provisioned_concurrency adds warm capacity", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const prod = summaries.find((s) => s.stack === "order-system-prod")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const configsOf = (planJsonPath: string) => [
      ...new Set(
        ofType(plannedResources(planJsonPath), "aws_codedeploy_deployment_group").map(
          (g) => g.values.deployment_config_name,
        ),
      ),
    ];
    expect(configsOf(dev.planJsonPath)).toEqual(["CodeDeployDefault.LambdaAllAtOnce"]);
    expect(configsOf(prod.planJsonPath)).toEqual(["CodeDeployDefault.LambdaCanary10Percent5Minutes"]);
    expect(configsOf(other.planJsonPath)).toEqual(["CodeDeployDefault.LambdaCanary10Percent15Minutes"]);
    const warm = (planJsonPath: string) =>
      ofType(plannedResources(planJsonPath), "aws_lambda_provisioned_concurrency_config").map(
        (c) => c.values.provisioned_concurrent_executions,
      );
    expect(warm(dev.planJsonPath)).toEqual([]);
    expect(warm(other.planJsonPath)).toEqual([2]);
  });

  test("customer_emails = on (default): the operator's address is the verified sender; only critical alerts mail the operator", () => {
    const planned = plannedResources(summaries.find((s) => s.stack === "order-system-dev")!.planJsonPath);
    expect(ofType(planned, "aws_sesv2_email_identity").map((r) => [r.name, r.values.email_identity])).toEqual(
      [["SenderAddressIdentity", "orders-ops@example.com"]],
    );
    expect(ofType(planned, "aws_sesv2_configuration_set")).toHaveLength(1);
    expect(
      ofType(planned, "aws_ses_template")
        .map((r) => r.values.name)
        .sort(),
    ).toEqual([
      "ecommerce-dev-order-cancelled",
      "ecommerce-dev-order-confirmation",
      "ecommerce-dev-order-failed",
      "ecommerce-dev-order-refunded",
      "ecommerce-dev-order-shipped",
      "ecommerce-dev-return-received",
      "ecommerce-dev-return-rejected",
      "ecommerce-dev-return-requested",
    ]);
    const subscriptions = ofType(planned, "aws_sns_topic_subscription");
    expect(subscriptions.filter((r) => r.values.protocol === "email")).toHaveLength(1);
    expect(subscriptions.filter((r) => r.values.protocol === "lambda")).toHaveLength(1);
  });

  test("customer_emails = off, order_event_emails = true: no SES at all; every topic mails the operator", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[OTHER_VALUES] as Extract<
      VariantResult,
      { ok: true }
    >;
    const planned = plannedResources(variant.planJsonPath);
    for (const type of [
      "aws_sesv2_email_identity",
      "aws_sesv2_configuration_set",
      "aws_sesv2_configuration_set_event_destination",
      "aws_ses_template",
    ]) {
      expect(ofType(planned, type)).toEqual([]);
    }
    const subscriptions = ofType(planned, "aws_sns_topic_subscription");
    expect(subscriptions.map((r) => r.values.protocol)).toEqual(["email", "email", "email"]);
    expect(ofType(planned, "aws_iam_role_policy").map((p) => p.values.name)).not.toContain(
      "ecommerce-dev-order-success-handler-when-on",
    );
  });

  test("sender_domain: the domain is verified with DKIM, not the address", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[
      STRIPE_IN_EXISTING_VPC
    ] as Extract<VariantResult, { ok: true }>;
    const identities = ofType(plannedResources(variant.planJsonPath), "aws_sesv2_email_identity");
    expect(identities.map((r) => [r.name, r.values.email_identity])).toEqual([
      ["SenderDomainIdentity", "shop.example.com"],
    ]);
    expect(identities[0].values.dkim_signing_attributes).toEqual([
      expect.objectContaining({ next_signing_key_length: "RSA_2048_BIT" }),
    ]);
  });

  test("enable_waf: prod (on by default) plans the web ACL, its association, logs and alarm; dev (off) none of it", () => {
    const planOf = (stack: string) =>
      plannedResources(summaries.find((s) => s.stack === stack)!.planJsonPath);
    const waf = (planned: PlannedResource[]) =>
      ["aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration"].map(
        (type) => ofType(planned, type).length,
      );
    const prod = planOf("order-system-prod");
    expect(waf(prod)).toEqual([1, 1, 1]);
    expect(ofType(prod, "aws_wafv2_web_acl")[0].values).toMatchObject({
      name: "ecommerce-prod-api",
      scope: "REGIONAL",
    });
    expect(ofType(prod, "aws_cloudwatch_log_group").map((g) => g.values.name)).toContain(
      "aws-waf-logs-ecommerce-prod",
    );
    expect(ofType(prod, "aws_cloudwatch_metric_alarm").map((a) => a.values.alarm_name)).toContain(
      "ecommerce-prod-waf-blocked-surge",
    );
    const dev = planOf("order-system-dev");
    expect(waf(dev)).toEqual([0, 0, 0]);
    expect(ofType(dev, "aws_cloudwatch_metric_alarm").map((a) => a.values.alarm_name)).not.toContain(
      "ecommerce-dev-waf-blocked-surge",
    );
  });

  test("vpc_mode = none (default): no network, no function in a VPC", () => {
    const planned = plannedResources(summaries.find((s) => s.stack === "order-system-dev")!.planJsonPath);
    expect(ofType(planned, "aws_vpc")).toEqual([]);
    for (const fn of ofType(planned, "aws_lambda_function")) expect(fn.values.vpc_config).toEqual([]);
  });

  test("vpc_mode = create: a VPC, two private subnets, endpoints, two groups, flow logs; every function inside", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[OTHER_VALUES] as Extract<
      VariantResult,
      { ok: true }
    >;
    const planned = plannedResources(variant.planJsonPath);
    expect(ofType(planned, "aws_vpc")).toHaveLength(1);
    expect(
      ofType(planned, "aws_subnet").map((s) => [s.values.cidr_block, s.values.availability_zone]),
    ).toEqual([
      ["10.40.0.0/24", "us-east-1a"],
      ["10.40.1.0/24", "us-east-1b"],
    ]);
    expect(
      ofType(planned, "aws_vpc_endpoint")
        .map((e) => e.values.service_name)
        .sort(),
    ).toEqual([
      "com.amazonaws.us-east-1.cognito-idp",
      "com.amazonaws.us-east-1.dynamodb",
      "com.amazonaws.us-east-1.email",
      "com.amazonaws.us-east-1.events",
      "com.amazonaws.us-east-1.sns",
      "com.amazonaws.us-east-1.states",
    ]);
    expect(ofType(planned, "aws_security_group")).toHaveLength(2);
    expect(ofType(planned, "aws_flow_log")).toHaveLength(1);
    expect(ofType(planned, "aws_nat_gateway")).toEqual([]);
    const functions = ofType(planned, "aws_lambda_function");
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const fn of functions) expect(fn.values.vpc_config).toHaveLength(1);
    expect(
      ofType(planned, "aws_iam_role_policy").filter((p) => String(p.values.name).endsWith("-vpc-access")),
    ).toHaveLength(FUNCTIONS.length);
  });

  test("vpc_mode = existing: the given subnets and groups, nothing created in the VPC", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[
      STRIPE_IN_EXISTING_VPC
    ] as Extract<VariantResult, { ok: true }>;
    const planned = plannedResources(variant.planJsonPath);
    for (const type of ["aws_vpc", "aws_subnet", "aws_vpc_endpoint", "aws_security_group", "aws_flow_log"]) {
      expect(ofType(planned, type)).toEqual([]);
    }
    for (const fn of ofType(planned, "aws_lambda_function")) {
      expect(fn.values.vpc_config).toEqual([
        expect.objectContaining({
          subnet_ids: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
          security_group_ids: ["sg-0123456789abcdef0"],
        }),
      ]);
    }
  });

  test("payment_provider = simulated (default): no secret, no secret grant, an empty secret ARN", () => {
    const planned = plannedResources(summaries.find((s) => s.stack === "order-system-dev")!.planJsonPath);
    expect(ofType(planned, "aws_secretsmanager_secret")).toEqual([]);
    expect(ofType(planned, "aws_iam_role_policy").map((p) => p.values.name)).not.toContain(
      "ecommerce-dev-process-payment-when-stripe",
    );
    const payment = ofType(planned, "aws_lambda_function").find(
      (f) => f.values.function_name === "ecommerce-dev-process-payment",
    )!;
    expect(
      (payment.values.environment as { variables: Record<string, string> }[])[0].variables,
    ).toMatchObject({
      PAYMENT_GATEWAY: "simulated",
      STRIPE_SECRET_ARN: "",
    });
  });

  test("payment_provider = stripe: both secrets without a value, ProcessPayment's grant on the key, PaymentEvents' on the webhook secret", () => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[
      STRIPE_IN_EXISTING_VPC
    ] as Extract<VariantResult, { ok: true }>;
    const planned = plannedResources(variant.planJsonPath);
    expect(ofType(planned, "aws_secretsmanager_secret").map((r) => r.values.name)).toEqual([
      "ecommerce-dev/stripe/secret-key",
      "ecommerce-dev/stripe/webhook-secret",
    ]);
    expect(ofType(planned, "aws_iam_role_policy").map((p) => p.values.name)).toContain(
      "ecommerce-dev-payment-events-when-stripe",
    );
    expect(ofType(planned, "aws_secretsmanager_secret_version")).toEqual([]);
    expect(readFileSync(variant.planJsonPath, "utf8")).not.toMatch(
      /secret_string|[sr]k_(live|test)_[A-Za-z0-9]/,
    );
    expect(ofType(planned, "aws_iam_role_policy").map((p) => p.values.name)).toContain(
      "ecommerce-dev-process-payment-when-stripe",
    );
    // ProcessPayment's environment names the secret, whose ARN AWS assigns at creation.
    const plan = JSON.parse(readFileSync(variant.planJsonPath, "utf8")) as {
      variables: Record<string, { value: unknown }>;
      resource_changes: { address: string; change: { after_unknown: Record<string, unknown> } }[];
    };
    expect(plan.variables.payment_provider.value).toBe("stripe");
    const payment = plan.resource_changes.find(
      (c) => c.address === "aws_lambda_function.ProcessPaymentLambda",
    )!;
    expect(payment.change.after_unknown.environment).toEqual([{ variables: true }]);
  });

  test.each([
    ["an unknown api_auth", REFUSED_VALUES, "api_auth must be one of cognito, none"],
    [
      "an origin with a path",
      REFUSED_VALUES,
      "allowed_origins must list origins such as https://shop.example.com",
    ],
    ["an unknown payment_provider", REFUSED_VALUES, "payment_provider must be one of simulated, stripe."],
    ["an unknown customer_emails", REFUSED_VALUES, "customer_emails must be one of on, off."],
    [
      "an unknown workflow_type",
      EXISTING_VPC_WITHOUT_SUBNETS,
      "workflow_type must be one of STANDARD, EXPRESS.",
    ],
    [
      "a stuck_order_minutes too short",
      REFUSED_VALUES,
      "stuck_order_minutes must be a whole number of minutes from 5 to 1440.",
    ],
    ["a sender outside its domain", REFUSED_VALUES, "sender_email must be an address of sender_domain"],
    [
      "an unknown release_strategy",
      REFUSED_VALUES,
      "release_strategy must be one of all-at-once, canary-10-percent-5-minutes, canary-10-percent-15-minutes.",
    ],
    [
      "a fractional provisioned_concurrency",
      REFUSED_VALUES,
      "provisioned_concurrency must be a whole number from 0 to 100.",
    ],
    [
      "an existing VPC without subnets",
      EXISTING_VPC_WITHOUT_SUBNETS,
      "vpc_mode = existing needs vpc_subnet_ids",
    ],
    [
      "a VPC without a route to Stripe",
      STRIPE_REFUSED,
      "vpc_mode = create has no internet route, and Stripe is on the internet",
    ],
    [
      "an Express workflow with Stripe (it cannot wait for 3-D Secure)",
      STRIPE_REFUSED,
      'workflow_type = "EXPRESS" cannot be used with payment_provider = "stripe": an Express workflow cannot wait for the customer\'s 3-D Secure authentication',
    ],
    [
      "a payment_action_timeout_minutes of 0",
      REFUSED_VALUES,
      "payment_action_timeout_minutes must be a whole number of minutes from 1 to 1440.",
    ],
    [
      "a decline_rate_alarm_percent over 100",
      REFUSED_VALUES,
      "decline_rate_alarm_percent must be a whole number from 1 to 100.",
    ],
    [
      "an idempotency_key_ttl_hours of 0",
      REFUSED_VALUES,
      "idempotency_key_ttl_hours must be a whole number of hours from 1 to 720.",
    ],
    [
      "a reconcile_days over 30",
      REFUSED_VALUES,
      "reconcile_days must be a whole number of days from 1 to 30.",
    ],
    [
      "a fractional low_stock_threshold",
      REFUSED_VALUES,
      "low_stock_threshold must be a whole number from 0 to 1000000.",
    ],
    [
      "a negative order_event_archive_days",
      REFUSED_VALUES,
      "order_event_archive_days must be a whole number of days from 0 (no archive) to 3650.",
    ],
    [
      "an order event subscription without https",
      REFUSED_VALUES,
      "order_event_subscriptions: every url must start with https://.",
    ],
    [
      "an order event subscription to an unknown detail-type",
      REFUSED_VALUES,
      "order_event_subscriptions: every subscription names one or more detail-types among",
    ],
    [
      "two order event subscriptions with one name",
      REFUSED_VALUES,
      "order_event_subscriptions: each subscription needs a name of its own.",
    ],
    [
      "a return_window_days over 365",
      REFUSED_VALUES,
      "return_window_days must be a whole number of days from 0 (no returns) to 365.",
    ],
  ])("Terraform refuses %s with a clear message", (_, label, message) => {
    const variant = summaries.find((s) => s.stack === "order-system-dev")!.variants[label];
    expect(variant.ok).toBe(false);
    expect((variant as Extract<VariantResult, { ok: false }>).error.replace(/\s+/g, " ")).toContain(message);
  });

  test("order_event_subscriptions: each gets its secret, connection (a placeholder key), API destination, rule, retried target with a dead-letter queue, and alarm; archive 0: none", () => {
    const dev = summaries.find((s) => s.stack === "order-system-dev")!;
    const other = dev.variants[OTHER_VALUES] as Extract<VariantResult, { ok: true }>;
    const planned = plannedResources(other.planJsonPath);
    const names = (type: string) =>
      ofType(planned, type).map((r) => String(r.values.name ?? r.values.alarm_name));
    expect(ofType(planned, "aws_cloudwatch_event_archive")).toEqual([]);
    expect(
      names("aws_secretsmanager_secret")
        .filter((n) => n.includes("order-events"))
        .sort(),
    ).toEqual(["ecommerce-dev/order-events/ledger/api-key", "ecommerce-dev/order-events/warehouse/api-key"]);
    expect(names("aws_cloudwatch_event_api_destination").sort()).toEqual([
      "ecommerce-dev-ledger",
      "ecommerce-dev-warehouse",
    ]);
    const connections = ofType(planned, "aws_cloudwatch_event_connection");
    expect(
      connections
        .map((c) => (c.values.auth_parameters as { api_key: { key: string }[] }[])[0].api_key[0].key)
        .sort(),
    ).toEqual(["authorization-key", "x-api-key"]);
    const targets = ofType(planned, "aws_cloudwatch_event_target").filter(
      (t) => t.name === "OrderEventSubscriptionTarget",
    );
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target.values).toMatchObject({
        event_bus_name: "ecommerce-dev-order-events",
        retry_policy: [{ maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 }],
      });
    }
    const rules = ofType(planned, "aws_cloudwatch_event_rule").filter(
      (r) => r.name === "OrderEventSubscriptionRule",
    );
    expect(rules.map((r) => JSON.parse(String(r.values.event_pattern)))).toEqual(
      expect.arrayContaining([{ source: ["ecommerce-dev.orders"], "detail-type": ["Order Confirmed"] }]),
    );
    expect(
      names("aws_sqs_queue")
        .filter((n) => n.endsWith("-events-dlq"))
        .sort(),
    ).toEqual([
      "ecommerce-dev-ledger-events-dlq",
      // OrderEvents' own, beside the subscriptions'.
      "ecommerce-dev-order-events-dlq",
      "ecommerce-dev-warehouse-events-dlq",
    ]);
    expect(
      names("aws_cloudwatch_metric_alarm").filter((n) => n.endsWith("-events-dlq-not-empty")),
    ).toHaveLength(3);
    expect(names("aws_iam_role")).toContain("ecommerce-dev-order-event-delivery");
    // Without subscriptions (the default): none of these, and no delivery role.
    const plain = plannedResources(dev.planJsonPath);
    expect(ofType(plain, "aws_cloudwatch_event_api_destination")).toEqual([]);
    expect(ofType(plain, "aws_iam_role").map((r) => r.values.name)).not.toContain(
      "ecommerce-dev-order-event-delivery",
    );
    expect(ofType(plain, "aws_schemas_schema").map((r) => r.values.type)).toEqual(
      Array(10).fill("JSONSchemaDraft4"),
    );
  });

  test("the bootstrap stack plans the state bucket, and no lock table (S3-native locking)", () => {
    const summary = summaries.find((s) => s.stack === "state-backend")!;
    expect(summary.toCreate).toMatchObject({ aws_s3_bucket: 1, aws_s3_bucket_policy: 1 });
    expect(summary.toCreate.aws_dynamodb_table).toBeUndefined();
  });
});

describe("the offline Step Functions stub", () => {
  const resources = {
    functionArn: (id: string) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`,
    ordersTableName: "orders",
    orderErrorTopicArn: "arn:aws:sns:us-east-1:123456789012:e",
    criticalAlertsTopicArn: "arn:aws:sns:us-east-1:123456789012:c",
    eventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default",
    paymentActionTimeoutSeconds: 1800,
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
