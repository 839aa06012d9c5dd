import { DETAIL_TYPES } from "../../lambdas/events/order-events";
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { ORIGIN_PATTERN } from "../../lambdas/platform/cors";
import { API_AUTH_MODES } from "../../lambdas/customers/customer";
import { CUSTOMER_EMAIL_MODES } from "../../lambdas/email/customer-emails";
import { PAYMENT_PROVIDERS } from "../../lambdas/platform/payment-providers";
import { DEFAULT_ROOT_METHOD, ROOT_METHODS } from "../../lambdas/platform/routes";
import { CONFIG, DEFAULT_SETTINGS } from "../../lambdas/platform/config";
import type { EnvironmentConfig } from "../config";
import { WAF_MANAGED_RULE_GROUPS } from "./api-firewall";
import { VPC_MODES } from "./function-network";
import { DEFAULT_WORKFLOW_TYPE, WORKFLOW_TYPES } from "../../lambdas/workflow/type";
import { RELEASE_STRATEGY_NAMES } from "../release-strategies";

/** The seed's parameters and a few more, as validated Terraform variables. */
export class OrderSystemVariables extends Construct {
  readonly apiName: TerraformVariable;
  readonly rootHttpMethod: TerraformVariable;
  readonly stageName: TerraformVariable;
  readonly notificationEmail: TerraformVariable;
  readonly codeBucketName: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
  readonly queueDepthAlarmThreshold: TerraformVariable;
  readonly simulatedGatewayTransientFailures: TerraformVariable;
  readonly paymentProvider: TerraformVariable;
  readonly customerEmails: TerraformVariable;
  readonly senderEmail: TerraformVariable;
  readonly senderDomain: TerraformVariable;
  readonly orderEventEmails: TerraformVariable;
  readonly apiAuth: TerraformVariable;
  readonly enableWaf: TerraformVariable;
  readonly vpcMode: TerraformVariable;
  readonly vpcSubnetIds: TerraformVariable;
  readonly vpcSecurityGroupIds: TerraformVariable;
  readonly wafRateLimit: TerraformVariable;
  readonly wafCountModeRuleGroups: TerraformVariable;
  readonly allowedOrigins: TerraformVariable;
  readonly workflowType: TerraformVariable;
  readonly stuckOrderMinutes: TerraformVariable;
  readonly paymentActionTimeoutMinutes: TerraformVariable;
  readonly declineRateAlarmPercent: TerraformVariable;
  readonly idempotencyKeyTtlHours: TerraformVariable;
  readonly reconcileDays: TerraformVariable;
  readonly lowStockThreshold: TerraformVariable;
  readonly returnWindowDays: TerraformVariable;
  readonly orderEventArchiveDays: TerraformVariable;
  readonly orderEventSubscriptions: TerraformVariable;
  readonly releaseStrategy: TerraformVariable;
  readonly provisionedConcurrency: TerraformVariable;

  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    const variable = (name: string, config: ConstructorParameters<typeof TerraformVariable>[2]) => {
      // In Terraform JSON a condition is an expression only inside ${…}.
      const validation = config?.validation?.map((rule) => ({ ...rule, condition: `\${${rule.condition}}` }));
      const v = new TerraformVariable(this, name, { ...config, validation });
      v.overrideLogicalId(name);
      return v;
    };
    ({
      apiName: this.apiName,
      rootHttpMethod: this.rootHttpMethod,
      stageName: this.stageName,
      notificationEmail: this.notificationEmail,
      codeBucketName: this.codeBucketName,
      logRetentionDays: this.logRetentionDays,
    } = seedVariables(variable, env));
    ({
      queueDepthAlarmThreshold: this.queueDepthAlarmThreshold,
      simulatedGatewayTransientFailures: this.simulatedGatewayTransientFailures,
    } = tuningVariables(variable));
    ({
      paymentProvider: this.paymentProvider,
      customerEmails: this.customerEmails,
      senderEmail: this.senderEmail,
      senderDomain: this.senderDomain,
      orderEventEmails: this.orderEventEmails,
    } = paymentAndEmailVariables(variable));
    ({
      enableWaf: this.enableWaf,
      wafRateLimit: this.wafRateLimit,
      wafCountModeRuleGroups: this.wafCountModeRuleGroups,
    } = firewallVariables(variable, env));
    ({
      vpcMode: this.vpcMode,
      vpcSubnetIds: this.vpcSubnetIds,
      vpcSecurityGroupIds: this.vpcSecurityGroupIds,
    } = networkVariables(variable));
    ({ apiAuth: this.apiAuth, allowedOrigins: this.allowedOrigins } = apiAccessVariables(variable));
    this.workflowType = workflowTypeVariable(variable);
    ({
      paymentActionTimeoutMinutes: this.paymentActionTimeoutMinutes,
      declineRateAlarmPercent: this.declineRateAlarmPercent,
      idempotencyKeyTtlHours: this.idempotencyKeyTtlHours,
      reconcileDays: this.reconcileDays,
    } = paymentOutcomeVariables(variable));
    ({ releaseStrategy: this.releaseStrategy, provisionedConcurrency: this.provisionedConcurrency } =
      releaseVariables(variable, env));
    this.lowStockThreshold = lowStockThresholdVariable(variable);
    this.returnWindowDays = returnWindowDaysVariable(variable);
    ({ archiveDays: this.orderEventArchiveDays, subscriptions: this.orderEventSubscriptions } =
      orderEventVariables(variable));
    this.stuckOrderMinutes = variable("stuck_order_minutes", {
      type: "number",
      default: Number(CONFIG.stuckOrderMinutes.default),
      description:
        "Minutes after its last update that an order still PENDING or PROCESSING counts as stuck: the reconciler (every 5 minutes) restarts PENDING ones and the StuckOrdersAlarm pages CriticalAlertsTopic. 5 to 1440.",
      validation: [
        {
          condition:
            "var.stuck_order_minutes == floor(var.stuck_order_minutes) && var.stuck_order_minutes >= 5 && var.stuck_order_minutes <= 1440",
          errorMessage: "stuck_order_minutes must be a whole number of minutes from 5 to 1440.",
        },
      ],
    });
  }
}

type DefineVariable = (
  name: string,
  config: ConstructorParameters<typeof TerraformVariable>[2],
) => TerraformVariable;

/** Who takes the money, and how customers and the operator are mailed. */
function paymentAndEmailVariables(variable: DefineVariable) {
  const paymentProvider = variable("payment_provider", {
    type: "string",
    default: DEFAULT_SETTINGS.paymentGateway,
    description:
      "Who takes the money. simulated: the built-in test gateway (moves no money). stripe: Stripe, with its secret key in the Secrets Manager secret <prefix>/stripe/secret-key, which the stack creates empty (README: Payments).",
    validation: [
      {
        condition: `contains(${JSON.stringify(PAYMENT_PROVIDERS)}, var.payment_provider)`,
        errorMessage: `payment_provider must be one of ${PAYMENT_PROVIDERS.join(", ")}.`,
      },
    ],
  });
  const customerEmails = variable("customer_emails", {
    type: "string",
    default: DEFAULT_SETTINGS.customerEmails,
    description:
      "on: customers get an e-mail through Amazon SES when their order is confirmed or could not be completed. off: for stores that mail customers another way (no SES resources).",
    validation: [
      {
        condition: `contains(${JSON.stringify(CUSTOMER_EMAIL_MODES)}, var.customer_emails)`,
        errorMessage: `customer_emails must be one of ${CUSTOMER_EMAIL_MODES.join(", ")}.`,
      },
    ],
  });
  const senderEmail = variable("sender_email", {
    type: "string",
    default: "",
    description:
      "From address of customer e-mail, e.g. orders@shop.example.com. Empty: orders@<sender_domain>, or notification_email when no domain is given.",
    validation: [
      {
        condition:
          'var.sender_email == "" || can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", var.sender_email))',
        errorMessage: "sender_email must be an e-mail address such as orders@shop.example.com, or empty.",
      },
    ],
  });
  const senderDomain = variable("sender_domain", {
    type: "string",
    default: "",
    description:
      "Domain to verify in SES with DKIM (publish the dkim_records output in its DNS), e.g. shop.example.com. Empty: only the sender address is verified.",
    validation: [
      {
        condition:
          'var.sender_domain == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\\\.)+[a-z]{2,63}$", var.sender_domain))',
        errorMessage: "sender_domain must be a lower-case domain name such as shop.example.com, or empty.",
      },
      {
        condition:
          'var.sender_domain == "" || var.sender_email == "" || endswith(lower(var.sender_email), "@${var.sender_domain}")',
        errorMessage: "sender_email must be an address of sender_domain (…@<sender_domain>).",
      },
    ],
  });
  const orderEventEmails = variable("order_event_emails", {
    type: "bool",
    default: false,
    description:
      "Also subscribe notification_email to the per-order topics (order confirmed, order failed). Off by default: SNS suspends an e-mail subscription that gets more than about 10 messages a second, which a sale reaches. CriticalAlertsTopic always mails it.",
  });
  return { paymentProvider, customerEmails, senderEmail, senderDomain, orderEventEmails };
}

/** AWS WAF in front of the API (README: Hardening). */
function firewallVariables(variable: DefineVariable, env: EnvironmentConfig) {
  const enableWaf = variable("enable_waf", {
    type: "bool",
    default: env.enableWaf,
    description:
      "AWS WAF in front of the API stage: AWS managed rules, a per-IP rate limit on order-placing requests, a body-size rule, logs to aws-waf-logs-<prefix>. On in prod, off in dev by default (stacks/config.ts).",
  });
  const wafRateLimit = variable("waf_rate_limit", {
    type: "number",
    default: 300,
    description:
      "Order-placing requests (POST, PUT) one client IP may make per 5 minutes before WAF answers 429.",
    validation: [
      {
        condition:
          "var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit",
        errorMessage: "waf_rate_limit must be a whole number from 10 to 2000000000 (requests per 5 minutes).",
      },
    ],
  });
  const wafCountModeRuleGroups = variable("waf_count_mode_rule_groups", {
    type: "list(string)",
    default: [],
    description: `AWS managed rule groups that only count matches instead of blocking, for a rollout: any of ${WAF_MANAGED_RULE_GROUPS.join(", ")}.`,
    validation: [
      {
        condition: `alltrue([for group in var.waf_count_mode_rule_groups : contains(${JSON.stringify(WAF_MANAGED_RULE_GROUPS)}, group)])`,
        errorMessage: `waf_count_mode_rule_groups may list only ${WAF_MANAGED_RULE_GROUPS.join(", ")}.`,
      },
    ],
  });
  return { enableWaf, wafRateLimit, wafCountModeRuleGroups };
}

/** Where the functions run (README: Hardening). */
function networkVariables(variable: DefineVariable) {
  const vpcMode = variable("vpc_mode", {
    type: "string",
    default: "none",
    description:
      "none: the functions run outside any VPC (AWS's default). create: the stack builds a VPC with private subnets in two AZs, no internet route, flow logs and endpoints for the APIs the functions call. existing: the functions join vpc_subnet_ids and vpc_security_group_ids, which must reach those APIs (README: Hardening).",
    validation: [
      {
        condition: `contains(${JSON.stringify(VPC_MODES)}, var.vpc_mode)`,
        errorMessage: `vpc_mode must be one of ${VPC_MODES.join(", ")}.`,
      },
      {
        condition: '!(var.vpc_mode == "create" && var.payment_provider == "stripe")',
        errorMessage:
          "vpc_mode = create has no internet route, and Stripe is on the internet: use vpc_mode = existing with a NAT gateway, or none.",
      },
    ],
  });
  const vpcSubnetIds = variable("vpc_subnet_ids", {
    type: "list(string)",
    default: [],
    description:
      "With vpc_mode = existing: the private subnets the functions run in (two or more AZs recommended).",
    validation: [
      {
        condition: 'var.vpc_mode != "existing" || length(var.vpc_subnet_ids) > 0',
        errorMessage: "vpc_mode = existing needs vpc_subnet_ids (subnet-…).",
      },
      {
        condition: 'alltrue([for id in var.vpc_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])',
        errorMessage: "vpc_subnet_ids must be subnet ids such as subnet-0123456789abcdef0.",
      },
    ],
  });
  const vpcSecurityGroupIds = variable("vpc_security_group_ids", {
    type: "list(string)",
    default: [],
    description:
      "With vpc_mode = existing: the security groups of the functions (HTTPS egress to the APIs they call).",
    validation: [
      {
        condition: 'var.vpc_mode != "existing" || length(var.vpc_security_group_ids) > 0',
        errorMessage: "vpc_mode = existing needs vpc_security_group_ids (sg-…).",
      },
      {
        condition: 'alltrue([for id in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])',
        errorMessage: "vpc_security_group_ids must be security group ids such as sg-0123456789abcdef0.",
      },
    ],
  });
  return { vpcMode, vpcSubnetIds, vpcSecurityGroupIds };
}

/** The seed's parameters: names, the root method, the operator's address, retention, thresholds. */
function seedVariables(variable: DefineVariable, env: EnvironmentConfig) {
  const apiName = variable("api_name", {
    type: "string",
    default: env.defaultApiName,
    description: "Name of the API Gateway REST API.",
    validation: [
      {
        condition: 'can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{0,127}$", var.api_name))',
        errorMessage: "api_name must be 1-128 letters, digits, spaces, '-' or '_'.",
      },
    ],
  });
  const rootHttpMethod = variable("http_method", {
    type: "string",
    default: DEFAULT_ROOT_METHOD,
    description:
      "HTTP method of the API's root method (ApiGatewayRootMethod), which places an order. POST by default: placing an order is not a safe, cacheable read. GET takes the order from query parameters.",
    validation: [
      {
        condition: `contains(${JSON.stringify(ROOT_METHODS)}, var.http_method)`,
        errorMessage: `http_method must be one of ${ROOT_METHODS.join(", ")}.`,
      },
    ],
  });
  const stageName = variable("stage_name", {
    type: "string",
    default: env.defaultStageName,
    description: "API Gateway stage name.",
    validation: [
      {
        condition: 'can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))',
        errorMessage: "stage_name must be 1-128 letters, digits, '-' or '_'.",
      },
    ],
  });
  const notificationEmail = variable("notification_email", {
    type: "string",
    description: "E-mail address subscribed to the order alert, order error and critical alert topics.",
    validation: [
      {
        condition: 'can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", var.notification_email))',
        errorMessage: "notification_email must be an e-mail address such as ops@example.com.",
      },
    ],
  });
  const codeBucketName = variable("code_bucket_name", {
    type: "string",
    default: "",
    description:
      "Name of the Lambda code bucket. Empty: ecommerce-application-lambda-code-<environment>-<account id>, unique per account.",
    validation: [
      {
        condition:
          'var.code_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.code_bucket_name))',
        errorMessage:
          "code_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-').",
      },
    ],
  });
  const logRetentionDays = variable("log_retention_days", {
    type: "number",
    default: env.logRetentionDays,
    description: "Retention of every log group, in days.",
    validation: [
      {
        condition:
          "contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)",
        errorMessage:
          "log_retention_days must be a retention CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, …).",
      },
    ],
  });
  return { apiName, rootHttpMethod, stageName, notificationEmail, codeBucketName, logRetentionDays };
}

/** Thresholds and the simulated gateway's behaviour. */
function tuningVariables(variable: DefineVariable) {
  const queueDepthAlarmThreshold = variable("queue_depth_alarm_threshold", {
    type: "number",
    default: 10,
    description: "OrdersQueueDepthAlarm fires when more messages than this are waiting.",
    validation: [{ condition: "var.queue_depth_alarm_threshold >= 1", errorMessage: "Must be at least 1." }],
  });
  const simulatedGatewayTransientFailures = variable("simulated_gateway_transient_failures", {
    type: "number",
    default: Number(DEFAULT_SETTINGS.simulatedGatewayTransientFailures),
    description:
      "Simulated payment gateway: attempts of a tok_processingError charge that fail before it recovers.",
    validation: [
      {
        condition:
          "var.simulated_gateway_transient_failures >= 0 && floor(var.simulated_gateway_transient_failures) == var.simulated_gateway_transient_failures",
        errorMessage: "Must be a whole number, 0 or more.",
      },
    ],
  });
  return { queueDepthAlarmThreshold, simulatedGatewayTransientFailures };
}

/** Who may call the order routes, and from which storefront origins. */
function apiAccessVariables(variable: DefineVariable) {
  const apiAuth = variable("api_auth", {
    type: "string",
    default: DEFAULT_SETTINGS.apiAuth,
    description:
      "Who may call the order routes. cognito: a signed-in customer (Cognito ID token) on every order route; orders belong to their customer. none: anyone (an explicit opt-out for demos; orders then have no owner). GET /products is public either way.",
    validation: [
      {
        condition: `contains(${JSON.stringify(API_AUTH_MODES)}, var.api_auth)`,
        errorMessage: `api_auth must be one of ${API_AUTH_MODES.join(", ")}.`,
      },
    ],
  });
  const allowedOrigins = variable("allowed_origins", {
    type: "list(string)",
    default: [],
    description:
      "Storefront origins (https://shop.example.com) allowed to call the API from a browser (CORS). Empty: no CORS. API Gateway's own error responses can carry one fixed origin: the first.",
    validation: [
      {
        condition: `alltrue([for origin in var.allowed_origins : can(regex(${JSON.stringify(
          ORIGIN_PATTERN.source.replace(/\\\//g, "/"),
        )}, origin))])`,
        errorMessage:
          "allowed_origins must list origins such as https://shop.example.com (scheme, host, optional port; no path, no trailing slash).",
      },
      {
        condition: "length(var.allowed_origins) <= 20",
        errorMessage: "allowed_origins may list at most 20 origins.",
      },
    ],
  });
  return { apiAuth, allowedOrigins };
}

/** How `npm run release` moves traffic, and the API function's warm capacity. */
function releaseVariables(variable: DefineVariable, env: EnvironmentConfig) {
  const releaseStrategy = variable("release_strategy", {
    type: "string",
    default: env.releaseStrategy,
    description: `How \`npm run release\` moves each function's live alias (CodeDeploy) and the workflow's alias to the new version: ${RELEASE_STRATEGY_NAMES.join(", ")}. A canary sends that share of traffic to the new version while the alarms are watched, rolls back by itself if one goes off, and then moves the rest.`,
    validation: [
      {
        condition: `contains(${JSON.stringify(RELEASE_STRATEGY_NAMES)}, var.release_strategy)`,
        errorMessage: `release_strategy must be one of ${RELEASE_STRATEGY_NAMES.join(", ")}.`,
      },
    ],
  });
  const provisionedConcurrency = variable("provisioned_concurrency", {
    type: "number",
    default: 0,
    description:
      "Execution environments kept warm on OrderPlacement's live alias (no cold starts on the API up to that many concurrent requests). 0 (default) turns it off; each one is billed per hour whether used or not (README, Costs).",
    validation: [
      {
        condition:
          "var.provisioned_concurrency == floor(var.provisioned_concurrency) && var.provisioned_concurrency >= 0 && var.provisioned_concurrency <= 100",
        errorMessage: "provisioned_concurrency must be a whole number from 0 to 100.",
      },
    ],
  });
  return { releaseStrategy, provisionedConcurrency };
}

function workflowTypeVariable(variable: DefineVariable) {
  return variable("workflow_type", {
    type: "string",
    default: DEFAULT_WORKFLOW_TYPE,
    description:
      "The order workflow's state machine type. STANDARD: billed per state transition, one execution per order guaranteed by name. EXPRESS: billed by duration and memory (cheaper at volume, docs/COST.md), at most 5 minutes, announces each order's end on EventBridge itself. Changing it replaces the state machine: let running orders finish first.",
    validation: [
      {
        condition: `contains(${JSON.stringify(WORKFLOW_TYPES)}, var.workflow_type)`,
        errorMessage: `workflow_type must be one of ${WORKFLOW_TYPES.join(", ")}.`,
      },
      {
        // Express cannot wait for a callback (.waitForTaskToken) and ends within 5 minutes, while a
        // Stripe payment may wait for the customer's 3-D Secure: refused rather than failing orders.
        condition: '!(var.workflow_type == "EXPRESS" && var.payment_provider == "stripe")',
        errorMessage:
          'workflow_type = "EXPRESS" cannot be used with payment_provider = "stripe": an Express workflow cannot wait for the customer\'s 3-D Secure authentication (docs/PAYMENTS.md). Use STANDARD.',
      },
    ],
  });
}

/** How long a payment may wait for its outcome, when declines page, and how long keys are kept. */
function paymentOutcomeVariables(variable: DefineVariable) {
  const paymentActionTimeoutMinutes = variable("payment_action_timeout_minutes", {
    type: "number",
    default: Number(CONFIG.paymentActionTimeoutMinutes.default),
    description:
      "Minutes the workflow waits for a payment's outcome (the customer's 3-D Secure, a payment processing) before it cancels the payment and fails the order. 1 to 1440.",
    validation: [
      {
        condition:
          "var.payment_action_timeout_minutes == floor(var.payment_action_timeout_minutes) && var.payment_action_timeout_minutes >= 1 && var.payment_action_timeout_minutes <= 1440",
        errorMessage: "payment_action_timeout_minutes must be a whole number of minutes from 1 to 1440.",
      },
    ],
  });
  const declineRateAlarmPercent = variable("decline_rate_alarm_percent", {
    type: "number",
    default: DEFAULT_DECLINE_RATE_ALARM_PERCENT,
    description:
      "DeclineRateAlarm pages when more than this percentage of payment attempts are declined over 15 minutes (with at least 20 attempts). 1 to 100.",
    validation: [
      {
        condition:
          "var.decline_rate_alarm_percent == floor(var.decline_rate_alarm_percent) && var.decline_rate_alarm_percent >= 1 && var.decline_rate_alarm_percent <= 100",
        errorMessage: "decline_rate_alarm_percent must be a whole number from 1 to 100.",
      },
    ],
  });
  const idempotencyKeyTtlHours = variable("idempotency_key_ttl_hours", {
    type: "number",
    default: Number(CONFIG.idempotencyKeyTtlHours.default),
    description:
      "Hours an Idempotency-Key names the order it created: a retry within them gets that order, and after them DynamoDB's TTL removes the key (Stripe keeps its own keys 24 hours). Orders never expire. 1 to 720.",
    validation: [
      {
        condition:
          "var.idempotency_key_ttl_hours == floor(var.idempotency_key_ttl_hours) && var.idempotency_key_ttl_hours >= 1 && var.idempotency_key_ttl_hours <= 720",
        errorMessage: "idempotency_key_ttl_hours must be a whole number of hours from 1 to 720.",
      },
    ],
  });
  const reconcileDays = variable("reconcile_days", {
    type: "number",
    default: Number(CONFIG.reconcileDays.default),
    description:
      "Days of the payment provider's payments and refunds the daily reconciliation compares with the orders (a mismatch pages). 1 to 30.",
    validation: [
      {
        condition:
          "var.reconcile_days == floor(var.reconcile_days) && var.reconcile_days >= 1 && var.reconcile_days <= 30",
        errorMessage: "reconcile_days must be a whole number of days from 1 to 30.",
      },
    ],
  });
  return { paymentActionTimeoutMinutes, declineRateAlarmPercent, idempotencyKeyTtlHours, reconcileDays };
}

/** The stock at or below which operators hear of a product (products may carry their own). */
function lowStockThresholdVariable(variable: DefineVariable): TerraformVariable {
  return variable("low_stock_threshold", {
    type: "number",
    default: Number(CONFIG.lowStockThreshold.default),
    description:
      "The stock at or below which a product counts as low, for products without a lowStockThreshold of their own: a sale or an adjustment that takes a product's stock from above it to at or below it sends one message to OrderAlertsTopic. 0 to 1000000 (0: only selling out is told).",
    validation: [
      {
        condition:
          "var.low_stock_threshold == floor(var.low_stock_threshold) && var.low_stock_threshold >= 0 && var.low_stock_threshold <= 1000000",
        errorMessage: "low_stock_threshold must be a whole number from 0 to 1000000.",
      },
    ],
  });
}

/** How long after shipment customers may ask for a return. */
function returnWindowDaysVariable(variable: DefineVariable): TerraformVariable {
  return variable("return_window_days", {
    type: "number",
    default: Number(CONFIG.returnWindowDays.default),
    description:
      "Days after an order ships that its customer may ask to return items (POST /orders/{orderId}/returns). 0 to 365; 0 turns returns off (409 RETURNS_DISABLED).",
    validation: [
      {
        condition:
          "var.return_window_days == floor(var.return_window_days) && var.return_window_days >= 0 && var.return_window_days <= 365",
        errorMessage: "return_window_days must be a whole number of days from 0 (no returns) to 365.",
      },
    ],
  });
}

/** The order event bus's archive, and the HTTP subscriptions to it (docs/EVENTS.md). */
function orderEventVariables(variable: DefineVariable) {
  const archiveDays = variable("order_event_archive_days", {
    type: "number",
    default: 30,
    description:
      "Days the order event bus's archive keeps every event, for replays to a subscriber that was down (docs/OPERATIONS.md). 0 keeps no archive; at most 3650.",
    validation: [
      {
        condition:
          "var.order_event_archive_days == floor(var.order_event_archive_days) && var.order_event_archive_days >= 0 && var.order_event_archive_days <= 3650",
        errorMessage: "order_event_archive_days must be a whole number of days from 0 (no archive) to 3650.",
      },
    ],
  });
  const known = DETAIL_TYPES.map((t) => `"${t}"`).join(", ");
  const subscriptions = variable("order_event_subscriptions", {
    type: "list(object({ name = string, url = string, detail_types = list(string), api_key_header = optional(string) }))",
    default: [],
    description: `HTTP subscribers of the order events: each {name, url (https), detail_types, api_key_header?} gets an EventBridge connection (its API key in the Secrets Manager secret <prefix>/order-events/<name>/api-key, never in state), an API destination, a rule with retries and a dead-letter queue that pages. Detail-types: ${DETAIL_TYPES.join(", ")}.`,
    validation: [
      {
        condition: 'alltrue([for s in var.order_event_subscriptions : startswith(s.url, "https://")])',
        errorMessage: "order_event_subscriptions: every url must start with https://.",
      },
      {
        condition: `alltrue([for s in var.order_event_subscriptions : length(s.detail_types) > 0 && alltrue([for d in s.detail_types : contains([${known}], d)])])`,
        errorMessage: `order_event_subscriptions: every subscription names one or more detail-types among ${DETAIL_TYPES.join(", ")}.`,
      },
      {
        condition:
          "length(distinct([for s in var.order_event_subscriptions : s.name])) == length(var.order_event_subscriptions)",
        errorMessage: "order_event_subscriptions: each subscription needs a name of its own.",
      },
      {
        condition:
          'alltrue([for s in var.order_event_subscriptions : can(regex("^[a-z0-9][a-z0-9-]{0,29}$", s.name))])',
        errorMessage:
          "order_event_subscriptions: a name is 1 to 30 lower-case letters, digits or dashes, starting with a letter or digit.",
      },
    ],
  });
  return { archiveDays, subscriptions };
}

/** Declines are routine; a third of attempts declined over 15 minutes is not. */
export const DEFAULT_DECLINE_RATE_ALARM_PERCENT = 30;
