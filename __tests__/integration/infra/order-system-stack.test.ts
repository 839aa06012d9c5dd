/** What `cdktf synth` writes for the order system: one assertion group per component. */
import { EVENT_SCHEMAS } from "../../../lambdas/events/schemas";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { FUNCTIONS } from "../../../lambdas/platform/contracts";
import { AUTHORIZER_RESULT_TTL_SECONDS } from "../../../lambdas/platform/routes";
import catalog from "../../../lambdas/catalog/catalog.json";
import { ORDERS_QUEUE_SETTINGS } from "../../../lambdas/platform/queue-settings";
import { EMAIL_TEMPLATES } from "../../../lambdas/email/templates";
import { HAPPY_PATH } from "../../../lambdas/workflow/definition";
import { dataOf, localNamed, resourceNamed, resourcesOf, synthOrderSystem } from "../../support/synth";

/** The Standard definition as Terraform renders it for payment_action_timeout_minutes = `minutes`. */
function standardDefinitionOf(text: string, minutes = 30) {
  return JSON.parse(
    text
      .replace("${((var.payment_action_timeout_minutes * 60) + 900)}", String(minutes * 60 + 900))
      .replace("${(var.payment_action_timeout_minutes * 60)}", String(minutes * 60)),
  );
}

const s = synthOrderSystem("dev");
const standardDefinition = (minutes = 30) =>
  standardDefinitionOf(localNamed(s, "order_workflow_definition_standard"), minutes);
const { text } = s;
const SIGNED_IN_UNLESS_OPTED_OUT = '${(var.api_auth == "cognito") ? "COGNITO_USER_POOLS" : "NONE"}';
const AUTHORIZER_UNLESS_OPTED_OUT =
  '${(var.api_auth == "cognito") ? aws_api_gateway_authorizer.Api_CustomerAuthorizer_06684226.id : null}';
const CORS_COUNT = "${(length(var.allowed_origins) >= 1) ? 1 : 0}";

describe("providers and variables", () => {
  test("AWS and archive providers, tagged by default", () => {
    expect(text).toHaveProviderWithProperties(AwsProvider, {
      region: "us-east-1",
      default_tags: [
        { tags: expect.objectContaining({ Application: "ecommerce-order-system", Environment: "dev" }) },
      ],
    });
    expect(text).toHaveProvider(ArchiveProvider);
  });

  test("the seed's parameters are validated variables", () => {
    const variables = s.json.variable as Record<
      string,
      { default?: unknown; validation?: { condition: string }[] }
    >;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        "api_name",
        "http_method",
        "stage_name",
        "notification_email",
        "code_bucket_name",
        "log_retention_days",
      ]),
    );
    expect(variables.http_method.default).toBe("POST");
    expect(variables.http_method.validation?.[0].condition).toBe(
      '${contains(["GET","POST","PUT"], var.http_method)}',
    );
    expect(variables.stage_name.default).toBe("prod");
    expect(variables.notification_email.default).toBeUndefined();
    expect(variables.notification_email.validation?.[0].condition).toContain("var.notification_email");
    expect(variables.log_retention_days.default).toBe(30);
  });

  test("outputs users read with cdktf output", () => {
    expect(Object.keys(s.json.output as object).sort()).toEqual(
      [
        "api_url",
        "code_bucket_name",
        "confirmation_dlq_url",
        "critical_alerts_topic_arn",
        "customer_email_sender",
        "dashboard_url",
        "dkim_records",
        "inventory_table_name",
        "order_alerts_topic_arn",
        "order_error_topic_arn",
        "order_event_bus_arn",
        "order_event_bus_name",
        "order_keys_table_name",
        "order_stream_dlq_url",
        "orders_dlq_url",
        "orders_endpoint",
        "orders_queue_url",
        "orders_table_name",
        "products_endpoint",
        "release_plan",
        "state_machine_arn",
        "stripe_secret_arn",
        "stripe_webhook_secret_arn",
        "stripe_webhook_url",
        "operator_client_id",
        "order_success_handler_name",
        "payment_reconciler_name",
        "user_pool_client_id",
        "user_pool_id",
        "user_pool_issuer",
      ].sort(),
    );
  });
});

describe("payments (payment_provider)", () => {
  const STRIPE_ONLY = '${(var.payment_provider == "stripe") ? 1 : 0}';
  const SECRET_ARN = '${join("", aws_secretsmanager_secret.StripeSecretKey[*].arn)}';

  test("a validated variable, simulated by default", () => {
    const variable = (s.json.variable as Record<string, { default?: unknown; validation?: object[] }>)
      .payment_provider;
    expect(variable.default).toBe("simulated");
    expect(variable.validation).toEqual([
      {
        condition: '${contains(["simulated","stripe"], var.payment_provider)}',
        error_message: "payment_provider must be one of simulated, stripe.",
      },
    ]);
  });

  test("with stripe only: a Secrets Manager secret for the key, created without a value", () => {
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, {
      count: STRIPE_ONLY,
      name: "ecommerce-dev/stripe/secret-key",
      // dev is disposable: a deleted secret frees its name at once.
      recovery_window_in_days: 0,
    });
    // A value would be in the plan and the state.
    expect(text).not.toHaveResource(SecretsmanagerSecretVersion);
    expect(text).not.toMatch(/secret_string|[sr]k_(live|test)_[A-Za-z0-9]/);
    expect(s.json.output).toMatchObject({
      stripe_secret_arn: { value: SECRET_ARN },
      stripe_webhook_secret_arn: {
        value: '${join("", aws_secretsmanager_secret.StripeWebhookSecret[*].arn)}',
      },
    });
  });

  test("ProcessPayment gets the secret's ARN, and GetSecretValue on that one secret only with stripe", () => {
    const fn = resourceNamed(s, "aws_lambda_function", "ProcessPaymentLambda");
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      PAYMENT_GATEWAY: "${var.payment_provider}",
      STRIPE_SECRET_ARN: SECRET_ARN,
      // Stripe's own host: another one is for local tests only.
      STRIPE_API_BASE: "",
    });
    const grant = dataOf(s, "aws_iam_policy_document").ProcessPayment_When_paymentGateway_stripe;
    expect(grant).toEqual({
      count: STRIPE_ONLY,
      statement: [
        {
          sid: "ReadStripeSecretKey",
          effect: "Allow",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [SECRET_ARN],
        },
      ],
    });
    expect(
      resourceNamed(s, "aws_iam_role_policy", "ProcessPayment_When_paymentGateway_stripe_Policy"),
    ).toMatchObject({
      count: STRIPE_ONLY,
      name: "ecommerce-dev-process-payment-when-stripe",
      role: expect.stringMatching(/^\$\{aws_iam_role\.ProcessPayment_Role_\w+\.id\}$/),
      policy: "${data.aws_iam_policy_document.ProcessPayment_When_paymentGateway_stripe[0].json}",
    });
    // No other function reads secrets.
    const secretReaders = Object.entries(dataOf(s, "aws_iam_policy_document")).filter(([, doc]) =>
      JSON.stringify(doc).includes("secretsmanager:"),
    );
    // ProcessPayment, AfterSale and ReconcilePayments read the API key; PaymentEvents the webhook
    // secret and the key (pinned in least-privilege).
    expect(secretReaders.map(([name]) => name).sort()).toEqual([
      "AfterSale_When_paymentGateway_stripe",
      "PaymentEvents_When_paymentGateway_stripe",
      "ProcessPayment_When_paymentGateway_stripe",
      "ReconcilePayments_When_paymentGateway_stripe",
    ]);
  });
});

describe("customer e-mail (customer_emails, sender_email, sender_domain)", () => {
  const ON = '${(var.customer_emails == "on") ? 1 : 0}';
  const SENDER =
    '${(length(var.sender_email) >= 1) ? var.sender_email : (length(var.sender_domain) >= 1) ? "orders@${var.sender_domain}" : var.notification_email}';

  test("validated variables: customer_emails on by default, sender address or domain optional", () => {
    const variables = s.json.variable as Record<
      string,
      { default?: unknown; validation?: { error_message: string }[] }
    >;
    expect(variables.customer_emails.default).toBe("on");
    expect(variables.customer_emails.validation?.[0].error_message).toBe(
      "customer_emails must be one of on, off.",
    );
    expect(variables.sender_email.default).toBe("");
    expect(variables.sender_domain.validation?.map((v) => v.error_message)).toEqual([
      "sender_domain must be a lower-case domain name such as shop.example.com, or empty.",
      "sender_email must be an address of sender_domain (…@<sender_domain>).",
    ]);
    expect(variables.order_event_emails.default).toBe(false);
  });

  test("the sender identity: the domain with DKIM when given, else the sender address", () => {
    expect(resourceNamed(s, "aws_sesv2_email_identity", "SenderDomainIdentity")).toMatchObject({
      count: '${((var.customer_emails == "on") && (length(var.sender_domain) >= 1)) ? 1 : 0}',
      email_identity: "${var.sender_domain}",
      dkim_signing_attributes: { next_signing_key_length: "RSA_2048_BIT" },
    });
    expect(resourceNamed(s, "aws_sesv2_email_identity", "SenderAddressIdentity")).toMatchObject({
      count: '${((var.customer_emails == "on") && !(length(var.sender_domain) >= 1)) ? 1 : 0}',
      email_identity: SENDER,
    });
  });

  test("a configuration set whose bounces and complaints reach EmailFeedback through an encrypted topic", () => {
    expect(resourceNamed(s, "aws_sesv2_configuration_set", "CustomerEmailConfigurationSet")).toMatchObject({
      count: ON,
      configuration_set_name: "ecommerce-dev-customer-email",
      delivery_options: { tls_policy: "REQUIRE" },
      reputation_options: { reputation_metrics_enabled: true },
      suppression_options: { suppressed_reasons: ["BOUNCE", "COMPLAINT"] },
    });
    const destination = Object.values(resourcesOf(s, "aws_sesv2_configuration_set_event_destination"))[0];
    expect(destination).toMatchObject({
      count: ON,
      event_destination: {
        matching_event_types: ["BOUNCE", "COMPLAINT"],
        sns_destination: { topic_arn: '${join("", aws_sns_topic.EmailFeedbackTopic[*].arn)}' },
      },
    });
    expect(resourceNamed(s, "aws_sns_topic", "EmailFeedbackTopic").kms_master_key_id).toContain(
      "aws_kms_key",
    );
    const subscription = Object.values(resourcesOf(s, "aws_sns_topic_subscription")).find(
      (sub) => sub.protocol === "lambda",
    );
    expect(subscription).toMatchObject({
      count: ON,
      endpoint: "${aws_lambda_alias.EmailFeedbackLiveAlias.arn}",
    });
    expect(dataOf(s, "aws_iam_policy_document").EmailFeedbackTopicPolicyDocument.statement).toEqual([
      expect.objectContaining({
        actions: ["sns:Publish"],
        principals: [{ type: "Service", identifiers: ["ses.amazonaws.com"] }],
      }),
    ]);
  });

  test("the templates are the shared definitions, deployed under the stack's prefix", () => {
    expect(resourceNamed(s, "aws_ses_template", "ConfirmationEmailTemplate")).toMatchObject({
      count: ON,
      name: "ecommerce-dev-order-confirmation",
      subject: EMAIL_TEMPLATES.confirmation.subject,
      html: EMAIL_TEMPLATES.confirmation.html,
      text: EMAIL_TEMPLATES.confirmation.text,
    });
    expect(resourceNamed(s, "aws_ses_template", "FailureEmailTemplate")).toMatchObject({
      name: "ecommerce-dev-order-failed",
      text: EMAIL_TEMPLATES.failure.text,
    });
  });

  test("OrderSuccessHandler gets the sender, configuration set, templates and suppression table", () => {
    const fn = resourceNamed(s, "aws_lambda_function", "OrderSuccessHandlerLambda");
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      CUSTOMER_EMAILS: "${var.customer_emails}",
      SENDER_ADDRESS: SENDER,
      EMAIL_CONFIGURATION_SET_NAME:
        '${join("", aws_sesv2_configuration_set.CustomerEmailConfigurationSet[*].configuration_set_name)}',
      CONFIRMATION_EMAIL_TEMPLATE_NAME: '${join("", aws_ses_template.ConfirmationEmailTemplate[*].name)}',
      EMAIL_SUPPRESSION_TABLE_NAME: "${aws_dynamodb_table.EmailSuppressionTable.name}",
    });
  });

  test("bounce and complaint rates page CriticalAlertsTopic; the dashboard shows sends, bounces, complaints", () => {
    expect(resourceNamed(s, "aws_cloudwatch_metric_alarm", "EmailBounceRateAlarm")).toMatchObject({
      namespace: "AWS/SES",
      metric_name: "Reputation.BounceRate",
      threshold: 0.05,
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
    });
    expect(resourceNamed(s, "aws_cloudwatch_metric_alarm", "EmailComplaintRateAlarm")).toMatchObject({
      metric_name: "Reputation.ComplaintRate",
      threshold: 0.001,
    });
    const body = JSON.parse(
      String(resourceNamed(s, "aws_cloudwatch_dashboard", "EcommerceProcessingDashboard").dashboard_body),
    );
    const ses = body.widgets.find((w: { properties: { title?: string } }) =>
      w.properties.title?.includes("SES"),
    );
    expect(ses.properties.metrics.map((m: string[]) => m[1])).toEqual([
      "Send",
      "Delivery",
      "Bounce",
      "Complaint",
    ]);
  });
});

describe("API Gateway", () => {
  test("REST API named by a variable, with the root method from a variable", () => {
    expect(text).toHaveResourceWithProperties(ApiGatewayRestApi, { name: "${var.api_name}" });
    const root = resourceNamed(s, "aws_api_gateway_method", "ApiGatewayRootMethod");
    expect(root).toMatchObject({
      http_method: "${var.http_method}",
      authorization: SIGNED_IN_UNLESS_OPTED_OUT,
    });
  });

  test("routes POST /orders (validated), GET /orders, GET /orders/{orderId}, GET /products with Lambda proxy integrations", () => {
    expect(text).toHaveResourceWithProperties(ApiGatewayMethod, {
      http_method: "POST",
      request_models: { "application/json": expect.stringContaining("aws_api_gateway_model") },
      request_validator_id: expect.stringContaining("BodyValidator"),
    });
    expect(text).toHaveResourceWithProperties(ApiGatewayMethod, {
      http_method: "GET",
      request_parameters: { "method.request.path.orderId": true },
    });
    const integrations = Object.values(resourcesOf(s, "aws_api_gateway_integration")).filter(
      (i) => i.type !== "MOCK",
    );
    expect(integrations).toHaveLength(20);
    // Every customer route and the public catalogue go to OrderPlacement; the Stripe webhook to
    // PaymentEvents; after the sale to AfterSale; the catalogue's staff to CatalogAdmin.
    const routedTo = (path: string | RegExp, fn: string) => {
      const found = integrations.filter((i) =>
        typeof path === "string" ? String(i.http_method).includes(path) : path.test(String(i.http_method)),
      );
      expect(found).toEqual([
        expect.objectContaining({ type: "AWS_PROXY", uri: `\${aws_lambda_alias.${fn}LiveAlias.invoke_arn}` }),
      ]);
      return found[0];
    };
    const others = [
      routedTo("webhooks_stripe", "PaymentEvents"),
      routedTo("refunds", "AfterSale"),
      routedTo("cancel", "AfterSale"),
      routedTo("shipment", "AfterSale"),
      routedTo("me_data", "CustomerData"),
      routedTo("DELETE", "CustomerData"),
      routedTo("erasure", "CustomerData"),
      routedTo(/Method_POST_products_[0-9A-F]{8}\./, "CatalogAdmin"),
      routedTo("PATCH_products", "CatalogAdmin"),
      routedTo("stock_adjustments", "CatalogAdmin"),
      routedTo("stock_movements", "CatalogAdmin"),
      routedTo(/Method_POST_orders__orderId__returns_[0-9A-F]{8}\./, "AfterSale"),
      routedTo("receipt", "AfterSale"),
      routedTo("rejection", "AfterSale"),
    ];
    for (const integration of integrations.filter((i) => !others.includes(i))) {
      expect(integration).toMatchObject({
        type: "AWS_PROXY",
        integration_http_method: "POST",
        uri: "${aws_lambda_alias.OrderPlacementLiveAlias.invoke_arn}",
      });
    }
    const paths = Object.values(resourcesOf(s, "aws_api_gateway_resource")).map((r) => r.path_part);
    expect(paths.sort()).toEqual([
      "cancel",
      "customers",
      "data",
      "erasure",
      "me",
      "orders",
      "products",
      "receipt",
      "refunds",
      "rejection",
      "returns",
      "shipment",
      "stock-adjustments",
      "stock-movements",
      "stripe",
      "webhooks",
      "{customerId}",
      "{orderId}",
      "{productId}",
      "{returnId}",
    ]);
  });

  test("the order model is the handler's schema, strict", () => {
    expect(text).toHaveResourceWithProperties(ApiGatewayModel, { content_type: "application/json" });
    const model = Object.values(resourcesOf(s, "aws_api_gateway_model"))[0];
    const schema = JSON.parse(String(model.schema));
    expect(schema).toMatchObject({
      $schema: "http://json-schema.org/draft-04/schema#",
      // customerEmail is optional: a signed-in customer's comes from their token.
      required: ["items", "paymentToken"],
      additionalProperties: false,
    });
    expect(schema.properties.items).toMatchObject({ minItems: 1, maxItems: 49 });
  });

  test("the deployment is replaced when routes change, and the stage has throttling, access logs and X-Ray", () => {
    expect(text).toHaveResourceWithProperties(ApiGatewayDeployment, {
      triggers: { redeployment: expect.stringContaining("sha1(jsonencode(") },
      lifecycle: { create_before_destroy: true },
    });
    expect(text).toHaveResourceWithProperties(ApiGatewayStage, {
      stage_name: "${var.stage_name}",
      xray_tracing_enabled: true,
      access_log_settings: expect.objectContaining({
        destination_arn: expect.stringContaining("aws_cloudwatch_log_group"),
      }),
    });
    expect(text).toHaveResourceWithProperties(ApiGatewayMethodSettings, {
      method_path: "*/*",
      settings: expect.objectContaining({
        throttling_rate_limit: 50,
        throttling_burst_limit: 100,
        metrics_enabled: true,
      }),
    });
  });

  test("the API may invoke OrderPlacement only through its own execution ARN", () => {
    expect(text).toHaveResourceWithProperties(LambdaPermission, {
      principal: "apigateway.amazonaws.com",
      function_name: "${aws_lambda_alias.OrderPlacementLiveAlias.function_name}",
      qualifier: "${aws_lambda_alias.OrderPlacementLiveAlias.name}",
      source_arn: "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/*",
    });
  });

  test("client errors from API Gateway itself use the API's JSON error shape", () => {
    const responses = resourcesOf(s, "aws_api_gateway_gateway_response");
    const badBody = Object.values(responses).find((r) => r.response_type === "BAD_REQUEST_BODY");
    expect(badBody).toMatchObject({ status_code: "400" });
    const template = (badBody?.response_templates as Record<string, string>)["application/json"];
    expect(JSON.parse(template)).toEqual({
      error: { code: "INVALID_REQUEST_BODY", message: expect.any(String), details: null },
    });
  });

  test("every gateway response renders valid JSON once API Gateway substitutes its variables", () => {
    // $context.error.messageString is documented as already quoted, e.g. "Missing Authentication Token".
    const substitute = (template: string) =>
      template.replaceAll("$context.error.messageString", '"Forbidden"');
    const templates = Object.values(resourcesOf(s, "aws_api_gateway_gateway_response")).map(
      (r) => (r.response_templates as Record<string, string>)["application/json"],
    );
    expect(templates).toHaveLength(7);
    for (const template of templates) {
      expect(JSON.parse(substitute(template))).toMatchObject({
        error: { code: expect.any(String), details: null },
      });
    }
  });
});

describe("customer sign-in (api_auth) and CORS (allowed_origins)", () => {
  const variables = s.json.variable as Record<
    string,
    { default?: unknown; validation?: { condition: string }[] }
  >;
  const methods = Object.entries(resourcesOf(s, "aws_api_gateway_method"));
  const pathOf = (resourceId: unknown) =>
    String(resourceId).includes("root_resource_id")
      ? "/"
      : String(resourceId).replace(/^.*Resource_(\w+?)_[0-9A-F]{8}\.id\}$/, "$1");

  test("variables: api_auth cognito|none (default cognito), allowed_origins a list (default empty), validated", () => {
    expect(variables.api_auth.default).toBe("cognito");
    expect(variables.api_auth.validation?.[0].condition).toBe(
      '${contains(["cognito","none"], var.api_auth)}',
    );
    expect(variables.allowed_origins).toMatchObject({ type: "list(string)", default: [] });
    expect(variables.allowed_origins.validation?.[0].condition).toContain("var.allowed_origins");
  });

  test("a user pool: e-mail sign-in, verified, strong passwords, case-insensitive, unprotected only when disposable", () => {
    const pool = resourceNamed(s, "aws_cognito_user_pool", "CustomerUserPool");
    expect(pool).toMatchObject({
      username_attributes: ["email"],
      auto_verified_attributes: ["email"],
      username_configuration: { case_sensitive: false },
      password_policy: {
        minimum_length: 12,
        require_lowercase: true,
        require_uppercase: true,
        require_numbers: true,
        require_symbols: true,
      },
      deletion_protection: "INACTIVE",
    });
    const prodPool = resourceNamed(synthOrderSystem("prod"), "aws_cognito_user_pool", "CustomerUserPool");
    expect(prodPool.deletion_protection).toBe("ACTIVE");
  });

  test("one public storefront client: no secret, SRP and refresh flows, short-lived tokens", () => {
    const client = resourceNamed(s, "aws_cognito_user_pool_client", "StorefrontClient");
    expect(client).toMatchObject({
      generate_secret: false,
      prevent_user_existence_errors: "ENABLED",
      id_token_validity: 30,
      access_token_validity: 30,
      token_validity_units: [{ id_token: "minutes", access_token: "minutes", refresh_token: "days" }],
    });
    expect(client.explicit_auth_flows).toEqual(
      expect.arrayContaining(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
    );
    const prodClient = resourceNamed(
      synthOrderSystem("prod"),
      "aws_cognito_user_pool_client",
      "StorefrontClient",
    );
    // Only disposable environments let an operator sign a test customer in from the CLI.
    expect(prodClient.explicit_auth_flows).toEqual(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
  });

  test("the operators' client (smoke test): admin sign-in only, in every environment", () => {
    for (const environment of ["dev", "prod"]) {
      expect(
        resourceNamed(synthOrderSystem(environment), "aws_cognito_user_pool_client", "OperatorClient"),
      ).toMatchObject({
        generate_secret: false,
        explicit_auth_flows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        id_token_validity: 30,
      });
    }
  });

  test("the user pool has the staff group, whose members read every order", () => {
    expect(Object.values(resourcesOf(s, "aws_cognito_user_group"))).toEqual([
      expect.objectContaining({
        name: "staff",
        user_pool_id: "${aws_cognito_user_pool.CustomerUserPool.id}",
      }),
    ]);
  });

  test("a COGNITO_USER_POOLS authorizer on the pool, on every order route and not on GET /products", () => {
    const authorizers = Object.values(resourcesOf(s, "aws_api_gateway_authorizer"));
    expect(authorizers).toEqual([
      expect.objectContaining({
        type: "COGNITO_USER_POOLS",
        identity_source: "method.request.header.Authorization",
        provider_arns: ["${aws_cognito_user_pool.CustomerUserPool.arn}"],
        // The local authorizer keeps a verified token's answer as long (local/cognito/user-pool.ts).
        authorizer_result_ttl_in_seconds: AUTHORIZER_RESULT_TTL_SECONDS,
      }),
    ]);
    const routes = methods
      .filter(([, m]) => m.http_method !== "OPTIONS")
      .map(([, m]) => [
        `${String(m.http_method)} ${pathOf(m.resource_id)}`,
        m.authorization,
        m.authorizer_id,
      ]);
    expect(routes).toEqual(
      expect.arrayContaining([
        ["${var.http_method} /", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["POST orders", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["GET orders", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["GET orders__orderId_", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["GET products", "NONE", undefined],
        ["GET products__productId_", "NONE", undefined],
        // Staff manage the catalogue: the authorizer; CatalogAdmin refuses anyone outside the staff group.
        ["POST products", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["PATCH products__productId_", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        // Public by decision: PaymentEvents verifies Stripe's signature instead.
        ["POST webhooks_stripe", "NONE", undefined],
        // Staff: the same authorizer; AfterSale refuses anyone outside the staff group.
        ["POST orders__orderId__refunds", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["POST orders__orderId__shipment", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        // The owner cancels (or staff): AfterSale checks whose order it is, as GET does.
        ["POST orders__orderId__cancel", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        // The owner asks for a return; staff receive or reject it (AfterSale checks the staff group).
        ["POST orders__orderId__returns", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        [
          "POST orders__orderId__returns__returnId__receipt",
          SIGNED_IN_UNLESS_OPTED_OUT,
          AUTHORIZER_UNLESS_OPTED_OUT,
        ],
        [
          "POST orders__orderId__returns__returnId__rejection",
          SIGNED_IN_UNLESS_OPTED_OUT,
          AUTHORIZER_UNLESS_OPTED_OUT,
        ],
        // A customer's own data; staff erase on request (CustomerData checks the staff group).
        ["GET me_data", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["DELETE me", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
        ["POST customers__customerId__erasure", SIGNED_IN_UNLESS_OPTED_OUT, AUTHORIZER_UNLESS_OPTED_OUT],
      ]),
    );
    expect(routes).toHaveLength(20);
  });

  test("401 and 403 from API Gateway carry the API's error body", () => {
    const responses = Object.values(resourcesOf(s, "aws_api_gateway_gateway_response"));
    const byType = (type: string) => responses.find((r) => r.response_type === type)!;
    expect(byType("UNAUTHORIZED").status_code).toBe("401");
    expect(
      JSON.parse((byType("UNAUTHORIZED").response_templates as Record<string, string>)["application/json"]),
    ).toMatchObject({
      error: { code: "UNAUTHORIZED", message: expect.stringContaining("ID token"), details: null },
    });
    expect(byType("ACCESS_DENIED").status_code).toBe("403");
  });

  test("CORS exists only when allowed_origins is set: preflights, gateway-response headers, the function's list", () => {
    const preflights = methods.filter(([, m]) => m.http_method === "OPTIONS");
    // "/", /orders, /orders/{orderId}, /products, /products/{productId}: the storefront's resources.
    expect(preflights).toHaveLength(5);
    for (const [, method] of preflights) {
      expect(method).toMatchObject({ authorization: "NONE", count: CORS_COUNT });
    }
    for (const type of ["aws_api_gateway_integration_response", "aws_api_gateway_method_response"]) {
      for (const resource of Object.values(resourcesOf(s, type))) expect(resource.count).toBe(CORS_COUNT);
    }
    for (const response of Object.values(resourcesOf(s, "aws_api_gateway_gateway_response"))) {
      expect(response.response_parameters).toMatch(/^\$\{\(length\(var\.allowed_origins\) >= 1\) \? \{/);
    }
    const placement = resourceNamed(s, "aws_lambda_function", "OrderPlacementLambda");
    expect((placement.environment as { variables: Record<string, string> }).variables).toMatchObject({
      API_AUTH: "${var.api_auth}",
      ALLOWED_ORIGINS: '${join(",", var.allowed_origins)}',
    });
  });

  test("OrdersTable has the customer's-orders index (customerId, createdAt) without payment data", () => {
    const orders = resourceNamed(s, "aws_dynamodb_table", "OrdersTable");
    expect(orders.global_secondary_index).toEqual([
      expect.objectContaining({
        name: "customerId-createdAt-index",
        hash_key: "customerId",
        range_key: "createdAt",
        projection_type: "INCLUDE",
      }),
      // The reconciler's: keys only (order id, status, last update).
      {
        name: "status-updatedAt-index",
        hash_key: "status",
        range_key: "updatedAt",
        projection_type: "KEYS_ONLY",
      },
    ]);
    const included = (orders.global_secondary_index as { non_key_attributes: string[] }[])[0]
      .non_key_attributes;
    expect(included).not.toContain("paymentToken");
    expect(included).not.toContain("idempotencyKey");
  });
});

describe("the payment reconciliation", () => {
  test("EventBridge Scheduler invokes ReconcilePaymentsLambda daily (retried twice) through the reconcilers' role; reconcile_days reaches it", () => {
    const stuck = resourceNamed(s, "aws_scheduler_schedule", "OrderReconcilerSchedule");
    expect(resourceNamed(s, "aws_scheduler_schedule", "PaymentReconcilerSchedule")).toMatchObject({
      name: "ecommerce-dev-payment-reconciler",
      schedule_expression: "cron(15 3 * * ? *)",
      flexible_time_window: { mode: "OFF" },
      target: {
        arn: "${aws_lambda_alias.ReconcilePaymentsLiveAlias.arn}",
        role_arn: (stuck.target as { role_arn: string }).role_arn,
        retry_policy: { maximum_retry_attempts: 2 },
      },
    });
    const fn = resourceNamed(s, "aws_lambda_function", "ReconcilePaymentsLambda");
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      RECONCILE_DAYS: "${tostring(var.reconcile_days)}",
      PAYMENT_GATEWAY: "${var.payment_provider}",
    });
  });

  test("PaymentMismatchesAlarm pages on one mismatch; the dashboard shows checked and mismatches", () => {
    expect(resourceNamed(s, "aws_cloudwatch_metric_alarm", "PaymentMismatchesAlarm")).toMatchObject({
      namespace: "EcommerceOrders",
      metric_name: "PaymentMismatches",
      dimensions: { service: "reconcile-payments" },
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      alarm_description: expect.stringContaining("docs/RUNBOOK.md#paymentmismatchesalarm"),
    });
    const dashboard = Object.values(resourcesOf(s, "aws_cloudwatch_dashboard"))[0];
    expect(String(dashboard.dashboard_body)).toContain("PaymentMismatches");
  });
});

describe("low stock", () => {
  test("LowStockAlertsNotSentAlarm pages on one message not sent by UpdateInventory or CatalogAdmin", () => {
    const alarm = resourceNamed(s, "aws_cloudwatch_metric_alarm", "LowStockAlertsNotSentAlarm");
    expect(alarm).toMatchObject({
      alarm_name: "ecommerce-dev-low-stock-alerts-not-sent",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
      alarm_description: expect.stringContaining("docs/RUNBOOK.md#lowstockalertsnotsentalarm"),
    });
    const queries = alarm.metric_query as {
      id: string;
      metric?: { metric_name: string; dimensions: unknown };
    }[];
    expect(queries.filter((q) => q.metric).map((q) => [q.metric!.metric_name, q.metric!.dimensions])).toEqual(
      [
        ["LowStockAlertsNotSent", { service: "update-inventory" }],
        ["LowStockAlertsNotSent", { service: "catalog-admin" }],
      ],
    );
  });
});

describe("the stuck-order reconciler", () => {
  test("EventBridge Scheduler invokes ReconcileOrdersLambda every 5 minutes through its own role", () => {
    expect(resourceNamed(s, "aws_scheduler_schedule", "OrderReconcilerSchedule")).toMatchObject({
      name: "ecommerce-dev-order-reconciler",
      schedule_expression: "rate(5 minutes)",
      flexible_time_window: { mode: "OFF" },
      target: {
        arn: "${aws_lambda_alias.ReconcileOrdersLiveAlias.arn}",
        role_arn: expect.stringContaining("aws_iam_role.Reconciler_Role_"),
        retry_policy: { maximum_retry_attempts: 0 },
      },
    });
    const trust = Object.entries(dataOf(s, "aws_iam_policy_document")).find(([name]) =>
      name.startsWith("Reconciler_Role_Trust_"),
    )![1];
    expect(JSON.stringify(trust)).toContain("scheduler.amazonaws.com");
  });

  test("its function gets stuck_order_minutes; StuckOrdersAlarm pages on one stuck order; the dashboard shows it", () => {
    const fn = resourceNamed(s, "aws_lambda_function", "ReconcileOrdersLambda");
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      STUCK_ORDER_MINUTES: "${tostring(var.stuck_order_minutes)}",
      STATE_MACHINE_ARN: expect.stringContaining(":stateMachine:ecommerce-dev-order-processing"),
    });
    expect(resourceNamed(s, "aws_cloudwatch_metric_alarm", "StuckOrdersAlarm")).toMatchObject({
      namespace: "EcommerceOrders",
      metric_name: "StuckOrders",
      dimensions: { service: "reconcile-orders" },
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
    });
    const dashboard = String(
      resourceNamed(s, "aws_cloudwatch_dashboard", "EcommerceProcessingDashboard").dashboard_body,
    );
    expect(dashboard).toContain('"StuckOrders"');
    expect(dashboard).toContain('"OrdersRestarted"');
  });
});

describe("the order outbox: the orders table's stream → EventBridge Pipe → OrdersQueue", () => {
  test("the stock movements table: by product and seq (a number), encrypted, point-in-time recovery", () => {
    expect(resourceNamed(s, "aws_dynamodb_table", "StockMovementsTable")).toMatchObject({
      hash_key: "productId",
      range_key: "seq",
      attribute: [
        { name: "productId", type: "S" },
        { name: "seq", type: "N" },
      ],
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
    });
  });

  test("the orders table streams new and old images (the outbox reads the new; the order events compare both); the keys table exists beside it", () => {
    expect(resourceNamed(s, "aws_dynamodb_table", "OrdersTable")).toMatchObject({
      stream_enabled: true,
      stream_view_type: "NEW_AND_OLD_IMAGES",
    });
    expect(resourceNamed(s, "aws_dynamodb_table", "OrderKeysTable")).toMatchObject({
      hash_key: "keyHash",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
    });
  });

  test("the pipe queues every PENDING write as {orderId, items}, from the stream's start, with a dead-letter queue", () => {
    const pipe = resourceNamed(s, "aws_pipes_pipe", "OrderOutboxPipe");
    expect(pipe).toMatchObject({
      source: "${aws_dynamodb_table.OrdersTable.stream_arn}",
      target: "${aws_sqs_queue.OrdersQueue.arn}",
      source_parameters: {
        dynamodb_stream_parameters: {
          starting_position: "TRIM_HORIZON",
          dead_letter_config: { arn: "${aws_sqs_queue.OrderStreamDeadLetterQueue.arn}" },
        },
      },
      // The items array is inserted unquoted: Pipes leaves JSON arrays and objects as they are.
      target_parameters: {
        input_template: '{"orderId": "<$.dynamodb.Keys.orderId.S>", "items": <$.dynamodb.NewImage.items.L>}',
      },
    });
    const filters = (pipe.source_parameters as { filter_criteria: { filter: { pattern: string }[] } })
      .filter_criteria.filter;
    expect(filters.map((f) => JSON.parse(f.pattern))).toEqual([
      { eventName: ["INSERT", "MODIFY"], dynamodb: { NewImage: { status: { S: ["PENDING"] } } } },
    ]);
    expect(pipe.depends_on).toEqual([expect.stringContaining("aws_iam_role_policy.Outbox_Role_Policy")]);
  });

  test("undelivered stream records raise an alarm to CriticalAlertsTopic", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "ecommerce-dev-order-stream-dlq-not-empty",
      dimensions: { QueueName: "${aws_sqs_queue.OrderStreamDeadLetterQueue.name}" },
    });
  });
});

describe("Lambda functions", () => {
  test.each(FUNCTIONS.map((f) => [f.id, f]))(
    "%sLambda: nodejs22.x on arm64, from the code bucket, traced",
    (id, spec) => {
      const fn = resourceNamed(s, "aws_lambda_function", `${id}Lambda`);
      expect(fn).toMatchObject({
        function_name: `ecommerce-dev-${spec.folder}`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        timeout: spec.timeoutSeconds,
        tracing_config: { mode: "Active" },
        s3_bucket: expect.stringContaining("aws_s3_object"),
        s3_key: expect.stringContaining("aws_s3_object"),
        source_code_hash: expect.stringMatching(/^\$\{data\.archive_file\..*\.output_base64sha256\}$/),
        depends_on: [expect.stringContaining("aws_cloudwatch_log_group")],
      });
      expect(fn.role).toMatch(/aws_iam_role\..*Role.*\.arn/);
    },
  );

  test("every contract's function, each with its own role and a log group with 30-day retention by default", () => {
    expect(Object.keys(resourcesOf(s, "aws_lambda_function"))).toHaveLength(FUNCTIONS.length);
    expect(new Set(Object.values(resourcesOf(s, "aws_lambda_function")).map((f) => f.role)).size).toBe(
      FUNCTIONS.length,
    );
    const groups = resourceNamed(s, "aws_cloudwatch_log_group", "OrderPlacementLambdaLogGroup");
    expect(groups).toMatchObject({
      name: "/aws/lambda/ecommerce-dev-order-placement",
      retention_in_days: "${var.log_retention_days}",
    });
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/ecommerce-dev-seed-inventory",
    });
  });

  test("environment variables carry the table names, queue URL, topic and state machine ARNs", () => {
    const env = (id: string) =>
      (
        resourceNamed(s, "aws_lambda_function", `${id}Lambda`).environment as {
          variables: Record<string, string>;
        }
      ).variables;
    expect(env("OrderPlacement")).toMatchObject({
      ORDERS_TABLE_NAME: "${aws_dynamodb_table.OrdersTable.name}",
      INVENTORY_TABLE_NAME: "${aws_dynamodb_table.InventoryTable.name}",
      ORDER_KEYS_TABLE_NAME: "${aws_dynamodb_table.OrderKeysTable.name}",
    });
    // Orders reach the queue through the table's stream, never from the function.
    expect(env("OrderPlacement")).not.toHaveProperty("ORDERS_QUEUE_URL");
    expect(env("StartOrderProcessing").STATE_MACHINE_ARN).toContain(
      ":stateMachine:ecommerce-dev-order-processing",
    );
    expect(env("OrderSuccessHandler").ORDER_ALERTS_TOPIC_ARN).toBe("${aws_sns_topic.OrderAlertsTopic.arn}");
    expect(env("ProcessPayment")).toMatchObject({ PAYMENT_GATEWAY: "${var.payment_provider}" });
    // The functions that change stock record its movements; those that may take it down tell low stock.
    for (const id of ["UpdateInventory", "CatalogAdmin"]) {
      expect(env(id)).toMatchObject({
        STOCK_MOVEMENTS_TABLE_NAME: "${aws_dynamodb_table.StockMovementsTable.name}",
        LOW_STOCK_THRESHOLD: "${tostring(var.low_stock_threshold)}",
        ORDER_ALERTS_TOPIC_ARN: "${aws_sns_topic.OrderAlertsTopic.arn}",
      });
    }
    expect(env("AfterSale").STOCK_MOVEMENTS_TABLE_NAME).toBe(
      "${aws_dynamodb_table.StockMovementsTable.name}",
    );
    expect(env("SeedInventory")).not.toHaveProperty("STOCK_MOVEMENTS_TABLE_NAME");
    expect(env("ValidateOrder")).not.toHaveProperty("STOCK_MOVEMENTS_TABLE_NAME");
  });

  test("code: zipped by the archive provider from the bundle folder, uploaded with a content hash", () => {
    expect(text).toHaveDataSourceWithProperties(DataArchiveFile, {
      type: "zip",
      source_dir: "${path.module}/../../../dist/lambdas/order-placement",
      output_path: "${path.module}/../../../dist/archives/order-placement.zip",
    });
    expect(text).toHaveResourceWithProperties(S3Object, {
      depends_on: [expect.stringContaining("aws_s3_bucket_versioning")],
      key: "lambdas/order-placement.zip",
      source_hash: expect.stringContaining("output_base64sha256"),
      server_side_encryption: "AES256",
    });
    expect(Object.keys(dataOf(s, "archive_file"))).toHaveLength(FUNCTIONS.length);
  });

  test("SeedInventory is invoked once at deploy with the catalog, re-run only when it changes", () => {
    expect(text).toHaveResourceWithProperties(LambdaInvocation, {
      function_name: "${aws_lambda_function.SeedInventoryLambda.function_name}",
      qualifier: "${aws_lambda_alias.SeedInventoryLiveAlias.name}",
      input: JSON.stringify(catalog),
      triggers: { catalog: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });
});

describe("code bucket", () => {
  test("named after the seed, unique per account, overridable; AES256, versioned, public access blocked", () => {
    const bucket = Object.values(resourcesOf(s, "aws_s3_bucket"))[0];
    expect(bucket.bucket).toContain(
      "ecommerce-application-lambda-code-dev-${data.aws_caller_identity.Account.account_id}",
    );
    expect(bucket.bucket).toContain("var.code_bucket_name");
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("LambdaCodeBucketPolicy: Lambda reads code in this account only; non-TLS requests denied", () => {
    resourceNamed(s, "aws_s3_bucket_policy", "LambdaCodeBucketPolicy");
    const doc = Object.values(dataOf(s, "aws_iam_policy_document")).find((d) =>
      (d.statement as { sid?: string }[]).some((st) => st.sid === "LambdaServiceReadsCode"),
    )!;
    expect(doc.statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sid: "LambdaServiceReadsCode",
          actions: ["s3:GetObject", "s3:GetObjectVersion"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
          condition: [
            {
              test: "StringEquals",
              variable: "aws:SourceAccount",
              values: ["${data.aws_caller_identity.Account.account_id}"],
            },
          ],
        }),
        expect.objectContaining({
          sid: "DenyInsecureTransport",
          effect: "Deny",
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        }),
      ]),
    );
  });
});

describe("data, queues and topics", () => {
  test("InventoryTable (ProductID) and OrdersTable (orderId): on demand, PITR, encrypted", () => {
    expect(text).toHaveResourceWithProperties(DynamodbTable, {
      name: "ecommerce-dev-inventory",
      hash_key: "ProductID",
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
    });
    expect(text).toHaveResourceWithProperties(DynamodbTable, {
      name: "ecommerce-dev-orders",
      hash_key: "orderId",
    });
  });

  test("OrdersQueue: encrypted, dead-letter after maxReceiveCount, visibility ≥ 6× the consumer timeout", () => {
    const queue = resourceNamed(s, "aws_sqs_queue", "OrdersQueue");
    expect(queue).toMatchObject({ sqs_managed_sse_enabled: true, visibility_timeout_seconds: 180 });
    expect(Number(queue.visibility_timeout_seconds)).toBeGreaterThanOrEqual(
      6 * ORDERS_QUEUE_SETTINGS.consumerTimeoutSeconds,
    );
    expect(JSON.parse(String(queue.redrive_policy))).toEqual({
      deadLetterTargetArn: expect.stringContaining("aws_sqs_queue"),
      maxReceiveCount: 4,
    });
    expect(text).toHaveResourceWithProperties(SqsQueue, {
      name: "ecommerce-dev-orders-dlq",
      sqs_managed_sse_enabled: true,
    });
    const start = resourceNamed(s, "aws_lambda_function", "StartOrderProcessingLambda");
    expect(Number(queue.visibility_timeout_seconds)).toBeGreaterThanOrEqual(6 * Number(start.timeout));
  });

  test("the queue feeds StartOrderProcessing with partial batch responses", () => {
    expect(text).toHaveResourceWithProperties(LambdaEventSourceMapping, {
      event_source_arn: "${aws_sqs_queue.OrdersQueue.arn}",
      function_name: "${aws_lambda_alias.StartOrderProcessingLiveAlias.arn}",
      function_response_types: ["ReportBatchItemFailures"],
      batch_size: 10,
    });
  });

  test("three topics, encrypted with a key alarms can use; the operator is mailed critical alerts, per-order events only on request", () => {
    for (const name of ["OrderAlertsTopic", "OrderErrorNotificationTopic", "CriticalAlertsTopic"]) {
      expect(resourceNamed(s, "aws_sns_topic", name).kms_master_key_id).toContain("aws_kms_key");
    }
    expect(text).toHaveResourceWithProperties(SnsTopic, { name: "ecommerce-dev-critical-alerts" });
    const emailSubscriptions = Object.entries(resourcesOf(s, "aws_sns_topic_subscription")).filter(
      ([, sub]) => sub.protocol === "email",
    );
    expect(
      Object.fromEntries(emailSubscriptions.map(([, sub]) => [String(sub.topic_arn), sub.count])),
    ).toEqual({
      "${aws_sns_topic.CriticalAlertsTopic.arn}": undefined,
      "${aws_sns_topic.OrderAlertsTopic.arn}": "${var.order_event_emails ? 1 : 0}",
      "${aws_sns_topic.OrderErrorNotificationTopic.arn}": "${var.order_event_emails ? 1 : 0}",
    });
    for (const [, sub] of emailSubscriptions) expect(sub.endpoint).toBe("${var.notification_email}");
    const keyPolicy = Object.values(dataOf(s, "aws_iam_policy_document")).find((d) =>
      (d.statement as { sid?: string }[]).some((st) => st.sid === "CloudWatchAlarmsPublishToEncryptedTopics"),
    );
    // CloudWatch may encrypt for the topics, only on behalf of this account.
    const statement = (keyPolicy?.statement as Record<string, unknown>[]).find(
      (st) => st.sid === "CloudWatchAlarmsPublishToEncryptedTopics",
    );
    expect(statement).toMatchObject({
      actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      condition: [
        {
          test: "StringEquals",
          variable: "aws:SourceAccount",
          values: ["${data.aws_caller_identity.Account.account_id}"],
        },
      ],
    });
    expect(resourceNamed(s, "aws_kms_key", "Messaging_NotificationTopicsKey_A2526125").policy).toContain(
      "data.aws_iam_policy_document.",
    );
  });
});

describe("workflow, events and monitoring", () => {
  test("OrderProcessingStateMachine: workflow_type's type, logging ALL, tracing, the seed's states in order", () => {
    expect(text).toHaveResourceWithProperties(SfnStateMachine, {
      type: "${var.workflow_type}",
      logging_configuration: expect.objectContaining({ level: "ALL", include_execution_data: true }),
      tracing_configuration: { enabled: true },
    });
    const machine = resourceNamed(s, "aws_sfn_state_machine", "OrderProcessingStateMachine");
    expect(machine.definition).toBe(
      '${(var.workflow_type == "EXPRESS") ? local.order_workflow_definition_express : local.order_workflow_definition_standard}',
    );
    const definition = standardDefinition();
    expect(definition.StartAt).toBe("ValidateOrder");
    expect(HAPPY_PATH.map((name) => definition.States[name].Next ?? "END")).toEqual([
      "ProcessPayment",
      "PaymentSettled",
      "END",
    ]);
    expect(definition.States.PaymentSettled.Choices[0].Next).toBe("UpdateInventory");
    expect(definition.States.ValidateOrder.Resource).toBe("${aws_lambda_alias.ValidateOrderLiveAlias.arn}");
    expect(definition.States.NotifyOrderFailure).toMatchObject({
      Resource: "arn:aws:states:::sns:publish",
      Parameters: expect.objectContaining({ TopicArn: "${aws_sns_topic.OrderErrorNotificationTopic.arn}" }),
    });
  });

  test("the waiting payment step and the execution take payment_action_timeout_minutes from the variable, as JSON numbers", () => {
    const text = localNamed(s, "order_workflow_definition_standard");
    expect(text.match(/"TimeoutSeconds":\$\{[^}]*\}|"TimeoutSeconds":\d+/g)).toEqual([
      '"TimeoutSeconds":${((var.payment_action_timeout_minutes * 60) + 900)}',
      '"TimeoutSeconds":${(var.payment_action_timeout_minutes * 60)}',
    ]);
    const definition = standardDefinition(30);
    expect(definition.TimeoutSeconds).toBe(900 + 1800);
    expect(definition.States.AwaitPaymentOutcome).toMatchObject({
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      TimeoutSeconds: 1800,
      Parameters: { FunctionName: "${aws_lambda_alias.PaymentEventsLiveAlias.arn}" },
    });
    expect(localNamed(s, "order_workflow_definition_express")).not.toContain(
      "payment_action_timeout_minutes",
    );
  });

  test("EXPRESS: the same states (but the wait for a payment), and the order's end announced on this account's default bus", () => {
    const standard = standardDefinition();
    const express = JSON.parse(localNamed(s, "order_workflow_definition_express"));
    const waitOnly = ["AwaitPaymentOutcome", "PaymentActionTimedOut"];
    expect(Object.keys(express.States).sort()).toEqual(
      [
        ...Object.keys(standard.States).filter((name) => !waitOnly.includes(name)),
        "PaymentCannotWait",
        "AnnounceOrderConfirmed",
        "AnnounceOrderFailed",
      ].sort(),
    );
    expect(express.States.UpdateInventory.Next).toBe("AnnounceOrderConfirmed");
    expect(express.States.AnnounceOrderConfirmed).toMatchObject({
      Resource: "arn:aws:states:::events:putEvents",
      Parameters: {
        Entries: [
          {
            EventBusName:
              "arn:${data.aws_partition.Partition.partition}:events:${data.aws_region.Region.name}:${data.aws_caller_identity.Account.account_id}:event-bus/default",
            Source: "order-system.workflow",
            DetailType: "Order Confirmed",
          },
        ],
      },
      End: true,
    });
    expect(express.TimeoutSeconds).toBeLessThanOrEqual(300);
  });

  test("the workflow role may put events on the default bus only with EXPRESS", () => {
    const policy = resourceNamed(s, "aws_iam_role_policy", "Workflow_Role_Policy_0DF20DD1");
    expect(policy.policy).toBe(
      '${(var.workflow_type == "EXPRESS") ? data.aws_iam_policy_document.Workflow_Role_VariantPermissions_5E55998D.json : data.aws_iam_policy_document.Workflow_Role_Permissions_270EA416.json}',
    );
    const documents = dataOf(s, "aws_iam_policy_document");
    const putEvents = (name: string) =>
      (documents[name].statement as { actions: string[]; resources: string[] }[]).filter((st) =>
        st.actions.includes("events:PutEvents"),
      );
    expect(putEvents("Workflow_Role_Permissions_270EA416")).toEqual([]);
    expect(putEvents("Workflow_Role_VariantPermissions_5E55998D")).toEqual([
      expect.objectContaining({
        resources: [
          "arn:${data.aws_partition.Partition.partition}:events:${data.aws_region.Region.name}:${data.aws_caller_identity.Account.account_id}:event-bus/default",
        ],
      }),
    ]);
  });

  test("confirmations that cannot be delivered or handled are kept in a dead-letter queue, with an alarm", () => {
    const target = Object.values(resourcesOf(s, "aws_cloudwatch_event_target"))[0];
    expect(target.dead_letter_config).toEqual({
      arn: "${aws_sqs_queue.ConfirmationDeadLetterQueue.arn}",
    });
    expect(text).toHaveResourceWithProperties(LambdaFunctionEventInvokeConfig, {
      function_name: "${aws_lambda_alias.OrderSuccessHandlerLiveAlias.function_name}",
      qualifier: "${aws_lambda_alias.OrderSuccessHandlerLiveAlias.name}",
      maximum_retry_attempts: 2,
      destination_config: {
        on_failure: {
          destination: target.dead_letter_config && (target.dead_letter_config as { arn: string }).arn,
        },
      },
    });
    expect(
      resourceNamed(s, "aws_cloudwatch_metric_alarm", "ConfirmationDeadLetterQueueNotEmptyAlarm"),
    ).toMatchObject({
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
    });
  });

  test("OrderConfirmationRule: this state machine's SUCCEEDED and FAILED executions → OrderSuccessHandler", () => {
    const rule = resourceNamed(s, "aws_cloudwatch_event_rule", "OrderConfirmationRule");
    expect(rule.event_pattern).toBe(
      '${(var.workflow_type == "EXPRESS") ? local.order_confirmation_pattern_express : local.order_confirmation_pattern_standard}',
    );
    const detail = {
      status: ["SUCCEEDED", "FAILED"],
      stateMachineArn: ["${aws_sfn_state_machine.OrderProcessingStateMachine.arn}"],
    };
    expect(JSON.parse(localNamed(s, "order_confirmation_pattern_standard"))).toEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail,
    });
    expect(JSON.parse(localNamed(s, "order_confirmation_pattern_express"))).toEqual({
      source: ["order-system.workflow"],
      "detail-type": ["Order Confirmed", "Order Failed"],
      detail,
    });
    expect(text).toHaveResource(CloudwatchEventRule);
    expect(text).toHaveResourceWithProperties(LambdaPermission, {
      principal: "events.amazonaws.com",
      source_arn: "${aws_cloudwatch_event_rule.OrderConfirmationRule.arn}",
    });
  });

  test("alarms page CriticalAlertsTopic with deliberate missing-data handling", () => {
    expect(resourceNamed(s, "aws_cloudwatch_metric_alarm", "OrdersQueueDepthAlarm")).toMatchObject({
      metric_name: "ApproximateNumberOfMessagesVisible",
      comparison_operator: "GreaterThanThreshold",
      threshold: "${var.queue_depth_alarm_threshold}",
      treat_missing_data: "notBreaching",
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
    });
    expect(
      resourceNamed(s, "aws_cloudwatch_metric_alarm", "OrderProcessingWorkflowFailureAlarm"),
    ).toMatchObject({
      // The workflow's own count of unexpected failures: declines and other business outcomes end
      // executions FAILED too, and must not page.
      namespace: "EcommerceOrders",
      metric_name: "UnexpectedOrderFailures",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    });
    expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      metric_name: "5XXError",
      namespace: "AWS/ApiGateway",
    });
    const alarms = Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm"));
    expect(alarms.length).toBeGreaterThanOrEqual(5 + 2 * 7);
    // Quiet periods (no orders, no messages) are not incidents.
    for (const alarm of alarms) expect(alarm.treat_missing_data).toBe("notBreaching");
  });

  test("EcommerceProcessingDashboard covers every Lambda, the queues, the workflow, the API and the alarms", () => {
    expect(text).toHaveResource(CloudwatchDashboard);
    const body = JSON.parse(
      String(resourceNamed(s, "aws_cloudwatch_dashboard", "EcommerceProcessingDashboard").dashboard_body),
    );
    const flat = JSON.stringify(body);
    for (const spec of FUNCTIONS) expect(flat).toContain(`ecommerce-dev-${spec.folder}`);
    for (const metric of [
      "ApproximateAgeOfOldestMessage",
      "ExecutionsStarted",
      "ExecutionsSucceeded",
      "ExecutionsFailed",
      "ExecutionTime",
      "Latency",
      "4XXError",
      "5XXError",
      "Duration",
    ]) {
      expect(flat).toContain(metric);
    }
    expect(body.widgets.some((w: { type: string }) => w.type === "alarm")).toBe(true);
  });
});

test("the synthesized JSON is portable: no absolute path of the build machine", () => {
  const root = process.cwd();
  expect(text).not.toContain(root);
  expect(text).not.toMatch(/"\/(home|root|Users|work|tmp)\//);
  for (const archive of Object.values(dataOf(s, "archive_file"))) {
    expect(String(archive.source_dir)).toMatch(/^\$\{path\.module\}\//);
  }
});

test("the prod environment protects its data and runs with higher limits", () => {
  const prod = synthOrderSystem("prod");
  expect(prod.text).toHaveResourceWithProperties(DynamodbTable, {
    name: "ecommerce-prod-orders",
    deletion_protection_enabled: true,
  });
  expect(prod.text).toHaveResourceWithProperties(ApiGatewayMethodSettings, {
    settings: expect.objectContaining({ throttling_rate_limit: 500 }),
  });
  expect(Object.keys(resourcesOf(prod, "aws_api_gateway_account"))).toHaveLength(0);
  expect(prod.text).toHaveResourceWithProperties(LambdaFunction, {
    function_name: "ecommerce-prod-order-placement",
  });
});

describe("alarms that page only for what is wrong", () => {
  const alarms = resourcesOf(s, "aws_cloudwatch_metric_alarm");
  type Query = { id: string; expression?: string; metric?: { metric_name: string; namespace: string } };
  const metricsOf = (alarm: Record<string, unknown>): string[] =>
    alarm.metric_query
      ? (alarm.metric_query as Query[]).flatMap((q) => (q.metric ? [q.metric.metric_name] : []))
      : [String(alarm.metric_name)];

  test("no deployment group rolls back on an alarm a declined card, short stock or an abandoned authentication can fire", () => {
    const watched = new Set(
      Object.values(resourcesOf(s, "aws_codedeploy_deployment_group")).flatMap(
        (g) => (g.alarm_configuration as { alarms: string[] }).alarms,
      ),
    );
    expect(watched.size).toBeGreaterThan(2);
    for (const reference of watched) {
      const name = /aws_cloudwatch_metric_alarm\.(\w+)\.alarm_name/.exec(reference)![1];
      const alarm = alarms[name];
      // Executions FAILED and Lambda Errors both count business outcomes; only these do not.
      expect(metricsOf(alarm)).not.toContain("ExecutionsFailed");
      if (metricsOf(alarm).includes("Errors")) {
        const queries = alarm.metric_query as (Query & { return_data?: boolean })[];
        expect(queries.find((q) => q.return_data)?.expression).toBe("errors - FILL(business, 0)");
        expect(queries.find((q) => q.id === "business")?.metric?.metric_name).toBe("BusinessErrors");
      } else {
        expect(["UnexpectedOrderFailures", "5XXError"]).toContain(alarm.metric_name);
      }
    }
  });

  test("DeclineRateAlarm: declines over attempts in 15 minutes, at least 20 attempts, above decline_rate_alarm_percent", () => {
    expect(alarms.DeclineRateAlarm).toMatchObject({
      threshold: "${var.decline_rate_alarm_percent}",
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
      metric_query: [
        {
          id: "declined",
          metric: {
            metric_name: "PaymentsDeclined",
            period: 900,
            dimensions: { service: "process-payment" },
          },
        },
        {
          id: "attempted",
          metric: {
            metric_name: "PaymentsAttempted",
            period: 900,
            dimensions: { service: "process-payment" },
          },
        },
        {
          id: "rate",
          return_data: true,
          expression: "IF(attempted >= 20, 100 * FILL(declined, 0) / attempted, 0)",
        },
      ],
    });
  });

  test("rejected webhook signatures and abandoned authentications page, each with its runbook section", () => {
    expect(alarms.WebhookSignatureRejectionsAlarm).toMatchObject({
      namespace: "EcommerceOrders",
      metric_name: "WebhookSignaturesRejected",
      dimensions: { service: "payment-events" },
      threshold: 10,
      alarm_description: expect.stringContaining("docs/RUNBOOK.md#webhooksignaturerejectionsalarm"),
    });
    expect(alarms.PaymentActionTimeoutRateAlarm).toMatchObject({
      threshold: 50,
      metric_query: expect.arrayContaining([
        expect.objectContaining({ expression: "IF(started >= 10, 100 * FILL(timedOut, 0) / started, 0)" }),
      ]),
      alarm_description: expect.stringContaining("docs/RUNBOOK.md#paymentactiontimeoutratealarm"),
    });
  });
});

describe("the order event bus", () => {
  test("the bus, its archive for order_event_archive_days, and every event's schema registered as draft-04", () => {
    expect(resourceNamed(s, "aws_cloudwatch_event_bus", "OrderEventBus")).toMatchObject({
      name: "ecommerce-dev-order-events",
    });
    expect(resourceNamed(s, "aws_cloudwatch_event_archive", "OrderEventArchive")).toMatchObject({
      event_source_arn: "${aws_cloudwatch_event_bus.OrderEventBus.arn}",
      retention_days: "${var.order_event_archive_days}",
      count: "${(var.order_event_archive_days >= 1) ? 1 : 0}",
    });
    const schemas = Object.values(resourcesOf(s, "aws_schemas_schema"));
    const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(
      schemas.map((schema) => [schema.name, schema.type, JSON.parse(String(schema.content))]).sort(byName),
    ).toEqual(
      EVENT_SCHEMAS.map(({ detailType, schema }) => [
        `ecommerce-dev.orders@${detailType.replace(/ /g, "")}`,
        "JSONSchemaDraft4",
        schema,
      ]).sort(byName),
    );
  });

  test("OrderEvents reads both tables' streams (both images) in order, from the oldest record, and dead-letters what it cannot publish", () => {
    for (const table of ["OrdersTable", "InventoryTable"]) {
      expect(resourceNamed(s, "aws_dynamodb_table", table)).toMatchObject({
        stream_enabled: true,
        stream_view_type: "NEW_AND_OLD_IMAGES",
      });
    }
    const mappings = Object.values(resourcesOf(s, "aws_lambda_event_source_mapping")).filter((m) =>
      String(m.function_name).includes("OrderEvents"),
    );
    expect(mappings.map((m) => m.event_source_arn).sort()).toEqual([
      "${aws_dynamodb_table.InventoryTable.stream_arn}",
      "${aws_dynamodb_table.OrdersTable.stream_arn}",
    ]);
    for (const mapping of mappings) {
      expect(mapping).toMatchObject({
        starting_position: "TRIM_HORIZON",
        bisect_batch_on_function_error: true,
        maximum_retry_attempts: 10,
        function_response_types: ["ReportBatchItemFailures"],
        destination_config: {
          on_failure: { destination_arn: "${aws_sqs_queue.OrderEventsDeadLetterQueue.arn}" },
        },
      });
    }
    const alarm = resourceNamed(s, "aws_cloudwatch_metric_alarm", "OrderEventsDeadLetterQueueNotEmptyAlarm");
    expect(alarm).toMatchObject({
      dimensions: { QueueName: "${aws_sqs_queue.OrderEventsDeadLetterQueue.name}" },
    });
  });

  test("OrderEvents puts on the bus by name with the system's source; subscriptions are for_each over the variable, keys never in state", () => {
    const fn = Object.values(resourcesOf(s, "aws_lambda_function")).find(
      (f) => f.function_name === "ecommerce-dev-order-events",
    )!;
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      ORDER_EVENT_BUS_NAME: "${aws_cloudwatch_event_bus.OrderEventBus.name}",
      ORDER_EVENT_SOURCE: "ecommerce-dev.orders",
    });
    const connection = resourceNamed(s, "aws_cloudwatch_event_connection", "OrderEventConnection");
    expect(connection).toMatchObject({
      for_each: "${{ for s in var.order_event_subscriptions : s.name => s }}",
      authorization_type: "API_KEY",
      auth_parameters: { api_key: { value: "set-by-operator" } },
      lifecycle: { ignore_changes: ["auth_parameters"] },
    });
    expect(resourceNamed(s, "aws_secretsmanager_secret", "OrderEventSubscriptionKey")).not.toHaveProperty(
      "secret_string",
    );
    expect(resourcesOf(s, "aws_secretsmanager_secret_version")).not.toHaveProperty(
      "OrderEventSubscriptionKey",
    );
    expect(resourceNamed(s, "aws_cloudwatch_event_target", "OrderEventSubscriptionTarget")).toMatchObject({
      retry_policy: { maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 },
      dead_letter_config: { arn: "${aws_sqs_queue.OrderEventSubscriptionDeadLetterQueue[each.key].arn}" },
    });
  });
});
