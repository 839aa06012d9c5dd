/**
 * The one home of every function's contract: what it is (folder, description, timeout, memory), what
 * triggers it, the configuration it reads and the access it needs. From this declaration:
 * - the stack derives each function's environment and its least-privilege IAM statements;
 * - the local runtime derives the same environment, pointed at local resources;
 * - each handler reads its configuration through `functionConfig(id)`, which fails at cold start
 *   naming the missing variable;
 * - the build, the benchmarks and the tests enumerate the functions.
 * Environment variable names are written here and nowhere else.
 */
import { ORDERS_QUEUE_SETTINGS } from "./shared/queue-settings";

/** The resources a function can be configured with or granted access to. */
export type ResourceName =
  | "ordersTable"
  | "ordersByCustomerIndex"
  /** Orders by status and last update: how the reconciler finds orders that stopped moving. */
  | "ordersByStatusIndex"
  | "orderKeysTable"
  | "inventoryTable"
  | "ordersQueue"
  | "confirmationDeadLetterQueue"
  | "orderWorkflow"
  /** The state machine itself (not its alias): what the callback API's permissions name. */
  | "orderStateMachine"
  | "orderAlertsTopic"
  /** The customers' Cognito user pool (its ARN; its id is the `userPoolId` setting). */
  | "customerUserPool"
  /** Alarms and what a person must act on (failed compensations, disputes). */
  | "criticalAlertsTopic"
  | "topicKey"
  /** Secrets Manager: Stripe's secret key (exists only with payment_provider = stripe; ARN "" without). */
  | "stripeSecret"
  /** Secrets Manager: the signing secret of Stripe's webhook endpoint (with payment_provider = stripe). */
  | "stripeWebhookSecret"
  | "emailSuppressionTable"
  /** SES (exist only with customer_emails = on): the sender identity, configuration set, templates. */
  | "emailIdentity"
  | "emailConfigurationSet"
  | "confirmationEmailTemplate"
  | "failureEmailTemplate"
  | "cancellationEmailTemplate"
  | "shipmentEmailTemplate"
  | "refundEmailTemplate";

/** How the stack or the local runtime names one resource. */
export interface ResourceHandle {
  readonly arn: string;
  /** Tables: the table name; queues: the queue URL. */
  readonly name?: string;
  readonly url?: string;
  /** User pools: the pool's id. */
  readonly id?: string;
}
export type ResourceHandles = Record<ResourceName, ResourceHandle>;

/** Values that come from a setting (a Terraform variable, a local option), not from a resource. */
export type SettingName =
  | "paymentGateway"
  | "simulatedGatewayTransientFailures"
  | "stripeApiBase"
  | "apiAuth"
  | "allowedOrigins"
  | "customerEmails"
  | "senderAddress"
  | "stuckOrderMinutes"
  | "paymentActionTimeoutMinutes"
  | "idempotencyKeyTtlHours"
  | "reconcileDays";
export type Settings = Record<SettingName, string>;

type ConfigSource =
  | { readonly resource: ResourceName; readonly attribute: keyof ResourceHandle }
  | { readonly setting: SettingName };

/** Every configuration value a function may read: its environment variable and where its value comes from. */
export const CONFIG = {
  ordersTableName: { env: "ORDERS_TABLE_NAME", from: { resource: "ordersTable", attribute: "name" } },
  inventoryTableName: {
    env: "INVENTORY_TABLE_NAME",
    from: { resource: "inventoryTable", attribute: "name" },
  },
  orderKeysTableName: {
    env: "ORDER_KEYS_TABLE_NAME",
    from: { resource: "orderKeysTable", attribute: "name" },
  },
  stateMachineArn: { env: "STATE_MACHINE_ARN", from: { resource: "orderWorkflow", attribute: "arn" } },
  userPoolId: { env: "USER_POOL_ID", from: { resource: "customerUserPool", attribute: "id" } },
  criticalAlertsTopicArn: {
    env: "CRITICAL_ALERTS_TOPIC_ARN",
    from: { resource: "criticalAlertsTopic", attribute: "arn" },
  },
  orderAlertsTopicArn: {
    env: "ORDER_ALERTS_TOPIC_ARN",
    from: { resource: "orderAlertsTopic", attribute: "arn" },
  },
  /** `simulated` or `stripe` (the Terraform variable payment_provider; `npm start -- --payment-provider`). */
  paymentGateway: { env: "PAYMENT_GATEWAY", from: { setting: "paymentGateway" }, default: "simulated" },
  /** The secret holding Stripe's key; empty when the deployment does not use Stripe. */
  stripeSecretArn: {
    env: "STRIPE_SECRET_ARN",
    from: { resource: "stripeSecret", attribute: "arn" },
    default: "",
  },
  /** The secret holding the webhook endpoint's signing secret (whsec_…); empty without Stripe. */
  stripeWebhookSecretArn: {
    env: "STRIPE_WEBHOOK_SECRET_ARN",
    from: { resource: "stripeWebhookSecret", attribute: "arn" },
    default: "",
  },
  /** Another Stripe API host (a stand-in, for tests: `--stripe-api-base`); empty: api.stripe.com. */
  stripeApiBase: { env: "STRIPE_API_BASE", from: { setting: "stripeApiBase" }, default: "" },
  simulatedGatewayTransientFailures: {
    env: "SIMULATED_GATEWAY_TRANSIENT_FAILURES",
    from: { setting: "simulatedGatewayTransientFailures" },
    default: "1",
  },
  /** `cognito` or `none` (the Terraform variable api_auth; `npm start -- --no-auth`). */
  apiAuth: { env: "API_AUTH", from: { setting: "apiAuth" }, default: "cognito" },
  /** Storefront origins allowed by CORS, comma-separated; empty: no CORS headers. */
  allowedOrigins: { env: "ALLOWED_ORIGINS", from: { setting: "allowedOrigins" }, default: "" },
  emailSuppressionTableName: {
    env: "EMAIL_SUPPRESSION_TABLE_NAME",
    from: { resource: "emailSuppressionTable", attribute: "name" },
  },
  /** `on` or `off` (the Terraform variable customer_emails): whether customers get e-mails. */
  customerEmails: { env: "CUSTOMER_EMAILS", from: { setting: "customerEmails" }, default: "on" },
  /** The From address of customer e-mails (an address of the verified SES identity). */
  senderAddress: { env: "SENDER_ADDRESS", from: { setting: "senderAddress" }, default: "" },
  emailConfigurationSetName: {
    env: "EMAIL_CONFIGURATION_SET_NAME",
    from: { resource: "emailConfigurationSet", attribute: "name" },
    default: "",
  },
  confirmationEmailTemplateName: {
    env: "CONFIRMATION_EMAIL_TEMPLATE_NAME",
    from: { resource: "confirmationEmailTemplate", attribute: "name" },
    default: "",
  },
  failureEmailTemplateName: {
    env: "FAILURE_EMAIL_TEMPLATE_NAME",
    from: { resource: "failureEmailTemplate", attribute: "name" },
    default: "",
  },
  cancellationEmailTemplateName: {
    env: "CANCELLATION_EMAIL_TEMPLATE_NAME",
    from: { resource: "cancellationEmailTemplate", attribute: "name" },
    default: "",
  },
  shipmentEmailTemplateName: {
    env: "SHIPMENT_EMAIL_TEMPLATE_NAME",
    from: { resource: "shipmentEmailTemplate", attribute: "name" },
    default: "",
  },
  refundEmailTemplateName: {
    env: "REFUND_EMAIL_TEMPLATE_NAME",
    from: { resource: "refundEmailTemplate", attribute: "name" },
    default: "",
  },
  /** Minutes after its last update that a PENDING or PROCESSING order counts as stuck (stuck_order_minutes). */
  stuckOrderMinutes: { env: "STUCK_ORDER_MINUTES", from: { setting: "stuckOrderMinutes" }, default: "15" },
  /** Hours an Idempotency-Key names its order (idempotency_key_ttl_hours); then DynamoDB's TTL removes it. */
  idempotencyKeyTtlHours: {
    env: "IDEMPOTENCY_KEY_TTL_HOURS",
    from: { setting: "idempotencyKeyTtlHours" },
    default: "24",
  },
  /** Days of the provider's payments the daily reconciliation compares with the orders (reconcile_days). */
  reconcileDays: { env: "RECONCILE_DAYS", from: { setting: "reconcileDays" }, default: "3" },
  /**
   * How long the workflow waits for a payment's outcome (3-D Secure, settlement) before it cancels it
   * (payment_action_timeout_minutes); the reconciler does not count a waiting order as stuck before.
   */
  paymentActionTimeoutMinutes: {
    env: "PAYMENT_ACTION_TIMEOUT_MINUTES",
    from: { setting: "paymentActionTimeoutMinutes" },
    default: "30",
  },
} as const satisfies Record<
  string,
  { readonly env: string; readonly from: ConfigSource; readonly default?: string }
>;
export type ConfigName = keyof typeof CONFIG;

/** Every setting at its default: a simulated gateway, Cognito sign-in on, no CORS. */
export const DEFAULT_SETTINGS: Settings = {
  paymentGateway: CONFIG.paymentGateway.default,
  simulatedGatewayTransientFailures: CONFIG.simulatedGatewayTransientFailures.default,
  stripeApiBase: CONFIG.stripeApiBase.default,
  apiAuth: CONFIG.apiAuth.default,
  allowedOrigins: CONFIG.allowedOrigins.default,
  customerEmails: CONFIG.customerEmails.default,
  senderAddress: CONFIG.senderAddress.default,
  stuckOrderMinutes: CONFIG.stuckOrderMinutes.default,
  paymentActionTimeoutMinutes: CONFIG.paymentActionTimeoutMinutes.default,
  idempotencyKeyTtlHours: CONFIG.idempotencyKeyTtlHours.default,
  reconcileDays: CONFIG.reconcileDays.default,
};

/** Grant-style access: "these actions on this resource", one IAM statement each. */
export interface Grant {
  readonly sid: string;
  readonly resource: ResourceName;
  readonly actions: readonly string[];
  /** Granted only when a setting has this value (the resource exists only then). */
  readonly when?: { readonly setting: SettingName; readonly equals: string };
}

/** What invokes a function. The stack wires each trigger; the local runtime mirrors it. */
export type Trigger =
  | "api"
  | "ordersQueue"
  | "workflow"
  | "orderConfirmationRule"
  | "emailFeedbackTopic"
  | "deploy"
  /** EventBridge Scheduler, every few minutes. */
  | "schedule"
  /** The workflow's waiting payment step (`.waitForTaskToken`) and the API's Stripe webhook route. */
  | "paymentEvents";

export interface FunctionContract {
  /** Folder under lambdas/ holding handler.ts. */
  readonly folder: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly trigger: Trigger;
  readonly config: readonly ConfigName[];
  /** What it may do beyond writing its own logs and traces. */
  readonly access: readonly Grant[];
}

const ORDERS_TABLE_READ_WRITE = ["dynamodb:GetItem", "dynamodb:UpdateItem"];
/** Records of the idempotency-key table that are claimed, completed and released (events, refund requests). */
const KEY_RECORDS_READ_WRITE = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
];
/** The functions that move money through Stripe read its key, and only with payment_provider = stripe. */
const READ_STRIPE_SECRET_KEY: Grant = {
  sid: "ReadStripeSecretKey",
  resource: "stripeSecret",
  actions: ["secretsmanager:GetSecretValue"],
  when: { setting: "paymentGateway", equals: "stripe" },
};
/** UpdateInventory's transaction reads the orders table's marker; every DynamoDB store names both. */
const STORE_TABLES = ["ordersTableName", "inventoryTableName"] as const;

/**
 * Customer e-mail with the given templates: SES authorizes a templated send against the identity, the
 * configuration set and the template (only with customer_emails = on); the suppression list is read first.
 */
function sendCustomerEmails(templates: readonly (readonly [string, ResourceName])[]) {
  return [
    // The address's hash and an older, unhashed item, in one BatchGetItem.
    {
      sid: "CheckSuppressedAddresses",
      resource: "emailSuppressionTable",
      actions: ["dynamodb:BatchGetItem"],
    },
    ...(
      [
        ["SendAsStoreIdentity", "emailIdentity"],
        ["SendWithConfigurationSet", "emailConfigurationSet"],
        ...templates,
      ] as const
    ).map(([sid, resource]) => ({
      sid,
      resource,
      actions: ["ses:SendEmail"],
      when: { setting: "customerEmails" as const, equals: "on" },
    })),
  ] as const;
}

const CONTRACTS = {
  OrderPlacement: {
    folder: "order-placement",
    description:
      "API: validates and records customers' orders, queues them; serves their orders and products",
    timeoutSeconds: 10,
    memoryMb: 512,
    trigger: "api",
    config: [...STORE_TABLES, "orderKeysTableName", "idempotencyKeyTtlHours", "apiAuth", "allowedOrigins"],
    access: [
      // PutItem inside the order's transaction; UpdateItem re-queues a stale PENDING order.
      {
        sid: "RecordOrders",
        resource: "ordersTable",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      },
      {
        sid: "RecordIdempotencyKeys",
        resource: "orderKeysTable",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
      },
      { sid: "ListCustomerOrders", resource: "ordersByCustomerIndex", actions: ["dynamodb:Query"] },
      { sid: "ListProducts", resource: "inventoryTable", actions: ["dynamodb:Scan"] },
    ],
  },
  StartOrderProcessing: {
    folder: "start-order-processing",
    description: "OrdersQueue consumer: starts one workflow execution per order",
    timeoutSeconds: ORDERS_QUEUE_SETTINGS.consumerTimeoutSeconds,
    memoryMb: 256,
    trigger: "ordersQueue",
    config: ["stateMachineArn"],
    access: [
      {
        sid: "ConsumeOrdersQueue",
        resource: "ordersQueue",
        actions: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ],
      },
      { sid: "StartOrderWorkflow", resource: "orderWorkflow", actions: ["states:StartExecution"] },
    ],
  },
  ValidateOrder: {
    folder: "validate-order",
    description: "Workflow: checks products and stock, prices the order from InventoryTable",
    timeoutSeconds: 15,
    memoryMb: 256,
    trigger: "workflow",
    config: STORE_TABLES,
    access: [
      // Reads only: the order's items when the queue message did not carry them.
      { sid: "ReadOrders", resource: "ordersTable", actions: ["dynamodb:GetItem"] },
      { sid: "ReadInventory", resource: "inventoryTable", actions: ["dynamodb:BatchGetItem"] },
    ],
  },
  ProcessPayment: {
    folder: "process-payment",
    description: "Workflow: charges (idempotent by orderId) and refunds through the payment gateway",
    timeoutSeconds: 20,
    memoryMb: 256,
    trigger: "workflow",
    config: [
      "ordersTableName",
      "paymentGateway",
      "simulatedGatewayTransientFailures",
      "stripeSecretArn",
      "stripeApiBase",
    ],
    access: [
      { sid: "RecordPayments", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      READ_STRIPE_SECRET_KEY,
    ],
  },
  PaymentEvents: {
    folder: "payment-events",
    description:
      "Payment outcomes: verifies Stripe's signed events, applies each once, resumes the order's waiting step",
    timeoutSeconds: 10,
    memoryMb: 256,
    trigger: "paymentEvents",
    config: [
      "ordersTableName",
      "orderKeysTableName",
      "paymentGateway",
      "stripeWebhookSecretArn",
      "stripeSecretArn",
      "stripeApiBase",
      "criticalAlertsTopicArn",
    ],
    access: [
      { sid: "RecordPaymentOutcomes", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      // A dispute pages a person (the evidence has a deadline).
      { sid: "PageDisputes", resource: "criticalAlertsTopic", actions: ["sns:Publish"] },
      {
        sid: "EncryptForEncryptedTopic",
        resource: "topicKey",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      },
      // Powertools Idempotency: one record per provider event id, expiring (TTL) after a week.
      { sid: "ApplyEachEventOnce", resource: "orderKeysTable", actions: KEY_RECORDS_READ_WRITE },
      {
        sid: "ResumeWaitingPayments",
        resource: "orderStateMachine",
        actions: ["states:SendTaskSuccess", "states:SendTaskFailure"],
      },
      {
        sid: "ReadStripeWebhookSecret",
        resource: "stripeWebhookSecret",
        actions: ["secretsmanager:GetSecretValue"],
        when: { setting: "paymentGateway", equals: "stripe" },
      },
      // Stripe's charge events name a payment: its order and refunds are read back from Stripe.
      READ_STRIPE_SECRET_KEY,
    ],
  },
  AfterSale: {
    folder: "after-sale",
    description:
      "API: cancels orders (owner or staff), ships and refunds them (staff), giving back money and stock once",
    timeoutSeconds: 20,
    memoryMb: 256,
    trigger: "api",
    config: [
      ...STORE_TABLES,
      "orderKeysTableName",
      "idempotencyKeyTtlHours",
      "paymentGateway",
      "simulatedGatewayTransientFailures",
      "stripeSecretArn",
      "stripeApiBase",
      "customerEmails",
      "senderAddress",
      "emailSuppressionTableName",
      "emailConfigurationSetName",
      "cancellationEmailTemplateName",
      "shipmentEmailTemplateName",
      "refundEmailTemplateName",
    ],
    access: [
      // Conditional status changes; one transaction sets a refund's amount aside and records its request.
      { sid: "RecordOrderChanges", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      { sid: "RecordRefundRequests", resource: "orderKeysTable", actions: KEY_RECORDS_READ_WRITE },
      // A cancelled order's stock goes back (with the order's marker, in one transaction, once).
      { sid: "ReleaseCancelledStock", resource: "inventoryTable", actions: ["dynamodb:UpdateItem"] },
      // A cancelled order's payment wait ends at once instead of timing out.
      { sid: "StopWaitingPayments", resource: "orderStateMachine", actions: ["states:SendTaskFailure"] },
      READ_STRIPE_SECRET_KEY,
      ...sendCustomerEmails([
        ["SendCancellationTemplate", "cancellationEmailTemplate"],
        ["SendShipmentTemplate", "shipmentEmailTemplate"],
        ["SendRefundTemplate", "refundEmailTemplate"],
      ]),
    ],
  },
  UpdateInventory: {
    folder: "update-inventory",
    description: "Workflow: decrements stock for the whole order in one transaction, once",
    timeoutSeconds: 15,
    memoryMb: 256,
    trigger: "workflow",
    config: STORE_TABLES,
    access: [
      // One TransactWriteItems: conditional decrements plus the order's exactly-once marker; when
      // the marker refuses, one read tells a replay from an order cancelled meanwhile.
      { sid: "DecrementStock", resource: "inventoryTable", actions: ["dynamodb:UpdateItem"] },
      { sid: "MarkOrderReserved", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
    ],
  },
  OrderSuccessHandler: {
    folder: "order-success-handler",
    description:
      "EventBridge target: marks orders CONFIRMED, announces them, and e-mails customers the outcome",
    timeoutSeconds: 15,
    memoryMb: 256,
    trigger: "orderConfirmationRule",
    config: [
      "ordersTableName",
      "orderAlertsTopicArn",
      "customerEmails",
      "senderAddress",
      "emailSuppressionTableName",
      "emailConfigurationSetName",
      "confirmationEmailTemplateName",
      "failureEmailTemplateName",
    ],
    access: [
      { sid: "ConfirmOrders", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      { sid: "AnnounceConfirmedOrders", resource: "orderAlertsTopic", actions: ["sns:Publish"] },
      // The on-failure destination of its asynchronous invocations.
      {
        sid: "KeepFailedConfirmations",
        resource: "confirmationDeadLetterQueue",
        actions: ["sqs:SendMessage"],
      },
      {
        sid: "EncryptForEncryptedTopic",
        resource: "topicKey",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      },
      ...sendCustomerEmails([
        ["SendConfirmationTemplate", "confirmationEmailTemplate"],
        ["SendFailureTemplate", "failureEmailTemplate"],
      ]),
    ],
  },
  EmailFeedback: {
    folder: "email-feedback",
    description: "SES bounces and complaints (SNS): adds the address to the store's suppression list",
    timeoutSeconds: 10,
    memoryMb: 256,
    trigger: "emailFeedbackTopic",
    config: ["emailSuppressionTableName"],
    access: [
      {
        sid: "SuppressAddresses",
        resource: "emailSuppressionTable",
        actions: ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
      },
    ],
  },
  ReconcileOrders: {
    folder: "reconcile-orders",
    description:
      "Schedule: finds orders stuck PENDING or PROCESSING, restarts PENDING ones whose workflow never started",
    timeoutSeconds: 60,
    memoryMb: 256,
    trigger: "schedule",
    config: ["ordersTableName", "stateMachineArn", "stuckOrderMinutes", "paymentActionTimeoutMinutes"],
    access: [
      { sid: "FindStuckOrders", resource: "ordersByStatusIndex", actions: ["dynamodb:Query"] },
      // A PROCESSING order may be waiting for its payment's outcome: its payment says so.
      { sid: "ReadStuckOrders", resource: "ordersTable", actions: ["dynamodb:GetItem"] },
      // Named by the order id: a workflow that did start is never started twice (Standard).
      { sid: "RestartOrderWorkflows", resource: "orderWorkflow", actions: ["states:StartExecution"] },
    ],
  },
  ReconcilePayments: {
    folder: "reconcile-payments",
    description:
      "Daily schedule: compares the payment provider's payments and refunds with the orders; reports every mismatch",
    timeoutSeconds: 300,
    memoryMb: 512,
    trigger: "schedule",
    config: [
      "ordersTableName",
      "reconcileDays",
      "paymentGateway",
      "simulatedGatewayTransientFailures",
      "stripeSecretArn",
      "stripeApiBase",
    ],
    access: [
      { sid: "FindRecentOrders", resource: "ordersByStatusIndex", actions: ["dynamodb:Query"] },
      // Read only: a finding is for a person; nothing is corrected.
      {
        sid: "ReadRecentOrders",
        resource: "ordersTable",
        actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem"],
      },
      READ_STRIPE_SECRET_KEY,
    ],
  },
  CustomerData: {
    folder: "customer-data",
    description:
      "API: a customer's data export, and erasure of their personal data (by them or staff) that keeps the books",
    timeoutSeconds: 60,
    memoryMb: 256,
    trigger: "api",
    config: ["ordersTableName", "orderKeysTableName", "emailSuppressionTableName", "userPoolId"],
    access: [
      { sid: "FindCustomerOrders", resource: "ordersByCustomerIndex", actions: ["dynamodb:Query"] },
      // Each write is conditional on the order's customerId: only the customer's own orders change.
      {
        sid: "ReadAndEraseCustomerOrders",
        resource: "ordersTable",
        actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
      },
      // Their idempotency keys (deleted) and the erasure's record (kept, without personal data).
      {
        sid: "EraseKeysAndRecordErasures",
        resource: "orderKeysTable",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      },
      // A suppressed address is kept as its hash only.
      {
        sid: "HashSuppressedAddress",
        resource: "emailSuppressionTable",
        actions: ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      },
      {
        sid: "DeleteCustomerAccount",
        resource: "customerUserPool",
        actions: ["cognito-idp:AdminDeleteUser"],
      },
    ],
  },
  SeedInventory: {
    folder: "seed-inventory",
    description: "Deploy-time: writes the catalog without resetting existing stock",
    timeoutSeconds: 60,
    memoryMb: 256,
    trigger: "deploy",
    config: STORE_TABLES,
    access: [{ sid: "SeedCatalog", resource: "inventoryTable", actions: ["dynamodb:PutItem"] }],
  },
} as const satisfies Record<string, FunctionContract>;

export type FunctionId = keyof typeof CONTRACTS;

export interface FunctionSpec extends FunctionContract {
  readonly id: FunctionId;
}

/** Every function, in declaration order. */
export const FUNCTIONS: readonly FunctionSpec[] = (Object.keys(CONTRACTS) as FunctionId[]).map((id) => ({
  id,
  ...CONTRACTS[id],
}));

export const BUNDLE_ROOT = "dist/lambdas";
export const BUNDLE_ENTRY_FILE = "index.js";
export const LAMBDA_HANDLER = "index.handler";

export function functionSpec(id: FunctionId): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown function ${id}`);
  return spec;
}

/** The value of one configuration entry, from the resources and settings of a deployment. */
function configValue(name: ConfigName, resources: ResourceHandles, settings: Settings): string {
  const source: ConfigSource = CONFIG[name].from;
  if ("setting" in source) return settings[source.setting];
  const value = resources[source.resource][source.attribute];
  if (value === undefined) {
    throw new Error(`${name} needs the ${source.attribute} of ${source.resource}, which was not given.`);
  }
  return value;
}

/** The environment variables a function's contract says it reads, with their values. */
export function environmentFor(
  spec: FunctionSpec,
  resources: ResourceHandles,
  settings: Settings,
): Record<string, string> {
  return Object.fromEntries(
    spec.config.map((name) => [CONFIG[name].env, configValue(name, resources, settings)]),
  );
}

type ConfigOf<Id extends FunctionId> = { readonly [K in (typeof CONTRACTS)[Id]["config"][number]]: string };

/**
 * A handler's typed configuration: only the entries its contract declares. Each value is read when
 * first used (at cold start, when the handler builds its adapters); a missing variable throws an
 * error that names it.
 */
export function functionConfig<Id extends FunctionId>(
  id: Id,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<Id> {
  const config = {} as Record<ConfigName, string>;
  for (const name of CONTRACTS[id].config as readonly ConfigName[]) {
    Object.defineProperty(config, name, {
      enumerable: true,
      get: () => {
        const entry: { env: string; default?: string } = CONFIG[name];
        const value = env[entry.env] || entry.default;
        const variable = entry.env;
        // An empty default ("" = nothing configured) is a value; any other empty value is missing.
        if (value === undefined || (value === "" && entry.default !== "")) {
          throw new Error(
            `${id}: missing required environment variable ${variable} (${name}); the stack sets it from the function's contract in lambdas/contracts.ts.`,
          );
        }
        return value;
      },
    });
  }
  return config as ConfigOf<Id>;
}

/** Powertools settings every function gets; the local runtime turns logs and metrics off unless asked. */
export function observabilityEnvironment(
  serviceName: string,
  options: { readonly logLevel: string; readonly metrics: boolean },
): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    ...(options.metrics ? {} : { POWERTOOLS_METRICS_DISABLED: "true" }),
  };
}

export const METRICS_NAMESPACE = "EcommerceOrders";
