/**
 * Every configuration value a function reads, and how it reads them: the environment variable of
 * each (written here and nowhere else), where its value comes from (a resource's attribute or a
 * setting), and the typed reader every handler calls at cold start. Kept apart from the contracts
 * (which say which function reads which) so that a handler's bundle carries only this.
 */
import type { ResourceHandle, ResourceName } from "./resources";

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
  | "reconcileDays"
  | "lowStockThreshold"
  | "returnWindowDays";
export type Settings = Record<SettingName, string>;

export type ConfigSource =
  | { readonly resource: ResourceName; readonly attribute: keyof ResourceHandle }
  | { readonly setting: SettingName };

/** Every configuration value a function may read: its environment variable, and its default where it has one. */
export const CONFIG = {
  ordersTableName: { env: "ORDERS_TABLE_NAME" },
  inventoryTableName: { env: "INVENTORY_TABLE_NAME" },
  stockMovementsTableName: { env: "STOCK_MOVEMENTS_TABLE_NAME" },
  orderKeysTableName: { env: "ORDER_KEYS_TABLE_NAME" },
  stateMachineArn: { env: "STATE_MACHINE_ARN" },
  userPoolId: { env: "USER_POOL_ID" },
  criticalAlertsTopicArn: { env: "CRITICAL_ALERTS_TOPIC_ARN" },
  orderAlertsTopicArn: { env: "ORDER_ALERTS_TOPIC_ARN" },
  /** `simulated` or `stripe` (the Terraform variable payment_provider; `npm start -- --payment-provider`). */
  paymentGateway: { env: "PAYMENT_GATEWAY", default: "simulated" },
  /** The secret holding Stripe's key; empty when the deployment does not use Stripe. */
  stripeSecretArn: { env: "STRIPE_SECRET_ARN", default: "" },
  /** The secret holding the webhook endpoint's signing secret (whsec_…); empty without Stripe. */
  stripeWebhookSecretArn: { env: "STRIPE_WEBHOOK_SECRET_ARN", default: "" },
  /** Another Stripe API host (a stand-in, for tests: `--stripe-api-base`); empty: api.stripe.com. */
  stripeApiBase: { env: "STRIPE_API_BASE", default: "" },
  simulatedGatewayTransientFailures: { env: "SIMULATED_GATEWAY_TRANSIENT_FAILURES", default: "1" },
  /** `cognito` or `none` (the Terraform variable api_auth; `npm start -- --no-auth`). */
  apiAuth: { env: "API_AUTH", default: "cognito" },
  /** Storefront origins allowed by CORS, comma-separated; empty: no CORS headers. */
  allowedOrigins: { env: "ALLOWED_ORIGINS", default: "" },
  emailSuppressionTableName: { env: "EMAIL_SUPPRESSION_TABLE_NAME" },
  /** `on` or `off` (the Terraform variable customer_emails): whether customers get e-mails. */
  customerEmails: { env: "CUSTOMER_EMAILS", default: "on" },
  /** The From address of customer e-mails (an address of the verified SES identity). */
  senderAddress: { env: "SENDER_ADDRESS", default: "" },
  emailConfigurationSetName: { env: "EMAIL_CONFIGURATION_SET_NAME", default: "" },
  confirmationEmailTemplateName: { env: "CONFIRMATION_EMAIL_TEMPLATE_NAME", default: "" },
  failureEmailTemplateName: { env: "FAILURE_EMAIL_TEMPLATE_NAME", default: "" },
  cancellationEmailTemplateName: { env: "CANCELLATION_EMAIL_TEMPLATE_NAME", default: "" },
  shipmentEmailTemplateName: { env: "SHIPMENT_EMAIL_TEMPLATE_NAME", default: "" },
  refundEmailTemplateName: { env: "REFUND_EMAIL_TEMPLATE_NAME", default: "" },
  returnRequestedEmailTemplateName: { env: "RETURN_REQUESTED_EMAIL_TEMPLATE_NAME", default: "" },
  returnReceivedEmailTemplateName: { env: "RETURN_RECEIVED_EMAIL_TEMPLATE_NAME", default: "" },
  returnRejectedEmailTemplateName: { env: "RETURN_REJECTED_EMAIL_TEMPLATE_NAME", default: "" },
  /** The order event bus's name, and the `source` of the events put on it (`<prefix>.orders`). */
  orderEventBusName: { env: "ORDER_EVENT_BUS_NAME" },
  orderEventSource: { env: "ORDER_EVENT_SOURCE" },
  /** Days after shipment a customer may ask for a return (return_window_days); 0: no returns. */
  returnWindowDays: { env: "RETURN_WINDOW_DAYS", default: "30" },
  /** Minutes after its last update that a PENDING or PROCESSING order counts as stuck (stuck_order_minutes). */
  stuckOrderMinutes: { env: "STUCK_ORDER_MINUTES", default: "15" },
  /** Hours an Idempotency-Key names its order (idempotency_key_ttl_hours); then DynamoDB's TTL removes it. */
  idempotencyKeyTtlHours: { env: "IDEMPOTENCY_KEY_TTL_HOURS", default: "24" },
  /** Days of the provider's payments the daily reconciliation compares with the orders (reconcile_days). */
  reconcileDays: { env: "RECONCILE_DAYS", default: "3" },
  /**
   * How long the workflow waits for a payment's outcome (3-D Secure, settlement) before it cancels it
   * (payment_action_timeout_minutes); the reconciler does not count a waiting order as stuck before.
   */
  paymentActionTimeoutMinutes: { env: "PAYMENT_ACTION_TIMEOUT_MINUTES", default: "30" },
  /** The stock at or below which a product counts as low, unless it has its own (low_stock_threshold). */
  lowStockThreshold: { env: "LOW_STOCK_THRESHOLD", default: "5" },
} as const satisfies Record<string, { readonly env: string; readonly default?: string }>;
export type ConfigName = keyof typeof CONFIG;

/**
 * Where each value comes from: a resource's attribute (the stack, the local runtime) or a setting.
 * Apart from CONFIG because only the stack and the local runtime read it: a handler's bundle does not
 * carry it.
 */
export const CONFIG_SOURCES = {
  ordersTableName: { resource: "ordersTable", attribute: "name" },
  inventoryTableName: { resource: "inventoryTable", attribute: "name" },
  stockMovementsTableName: { resource: "stockMovementsTable", attribute: "name" },
  orderKeysTableName: { resource: "orderKeysTable", attribute: "name" },
  stateMachineArn: { resource: "orderWorkflow", attribute: "arn" },
  userPoolId: { resource: "customerUserPool", attribute: "id" },
  criticalAlertsTopicArn: { resource: "criticalAlertsTopic", attribute: "arn" },
  orderAlertsTopicArn: { resource: "orderAlertsTopic", attribute: "arn" },
  paymentGateway: { setting: "paymentGateway" },
  stripeSecretArn: { resource: "stripeSecret", attribute: "arn" },
  stripeWebhookSecretArn: { resource: "stripeWebhookSecret", attribute: "arn" },
  stripeApiBase: { setting: "stripeApiBase" },
  simulatedGatewayTransientFailures: { setting: "simulatedGatewayTransientFailures" },
  apiAuth: { setting: "apiAuth" },
  allowedOrigins: { setting: "allowedOrigins" },
  emailSuppressionTableName: { resource: "emailSuppressionTable", attribute: "name" },
  customerEmails: { setting: "customerEmails" },
  senderAddress: { setting: "senderAddress" },
  emailConfigurationSetName: { resource: "emailConfigurationSet", attribute: "name" },
  confirmationEmailTemplateName: { resource: "confirmationEmailTemplate", attribute: "name" },
  failureEmailTemplateName: { resource: "failureEmailTemplate", attribute: "name" },
  cancellationEmailTemplateName: { resource: "cancellationEmailTemplate", attribute: "name" },
  shipmentEmailTemplateName: { resource: "shipmentEmailTemplate", attribute: "name" },
  refundEmailTemplateName: { resource: "refundEmailTemplate", attribute: "name" },
  returnRequestedEmailTemplateName: { resource: "returnRequestedEmailTemplate", attribute: "name" },
  returnReceivedEmailTemplateName: { resource: "returnReceivedEmailTemplate", attribute: "name" },
  returnRejectedEmailTemplateName: { resource: "returnRejectedEmailTemplate", attribute: "name" },
  returnWindowDays: { setting: "returnWindowDays" },
  orderEventBusName: { resource: "orderEventBus", attribute: "name" },
  orderEventSource: { resource: "orderEventBus", attribute: "source" },
  stuckOrderMinutes: { setting: "stuckOrderMinutes" },
  idempotencyKeyTtlHours: { setting: "idempotencyKeyTtlHours" },
  reconcileDays: { setting: "reconcileDays" },
  paymentActionTimeoutMinutes: { setting: "paymentActionTimeoutMinutes" },
  lowStockThreshold: { setting: "lowStockThreshold" },
} as const satisfies Record<ConfigName, ConfigSource>;

/** UpdateInventory's transaction reads the orders table's marker; every DynamoDB store names both. */
const STORE_TABLES = ["ordersTableName", "inventoryTableName"] as const;
/**
 * What changing stock reads: the movements it records beside each change, the threshold a change
 * may cross, and the operators' topic it tells when it does.
 */
const STOCK_CHANGE_SETTINGS = [
  "stockMovementsTableName",
  "lowStockThreshold",
  "orderAlertsTopicArn",
] as const;
/** What building the payment gateway reads (payments/gateways.ts): the provider and its settings. */
const PAYMENT_GATEWAY_SETTINGS = [
  "paymentGateway",
  "simulatedGatewayTransientFailures",
  "stripeSecretArn",
  "stripeApiBase",
] as const;
/** What e-mailing customers reads (customer-mail.ts, the suppression list), besides the templates. */
const CUSTOMER_EMAIL_SETTINGS = [
  "customerEmails",
  "senderAddress",
  "emailSuppressionTableName",
  "emailConfigurationSetName",
] as const;

/**
 * The configuration each function reads: part of its contract (contracts.ts points here), kept with
 * the variables so that the reader below needs nothing else from the contracts. One constant per
 * function, which its handler hands to the reader, so that a bundle carries its own list only.
 */
export const ORDER_PLACEMENT_CONFIG = [
  ...STORE_TABLES,
  "orderKeysTableName",
  "idempotencyKeyTtlHours",
  "apiAuth",
  "allowedOrigins",
] as const satisfies readonly ConfigName[];
export const CATALOG_ADMIN_CONFIG = [
  "inventoryTableName",
  ...STOCK_CHANGE_SETTINGS,
  "orderKeysTableName",
  "idempotencyKeyTtlHours",
] as const satisfies readonly ConfigName[];
export const START_ORDER_PROCESSING_CONFIG = ["stateMachineArn"] as const satisfies readonly ConfigName[];
export const VALIDATE_ORDER_CONFIG = STORE_TABLES;
export const PROCESS_PAYMENT_CONFIG = [
  "ordersTableName",
  ...PAYMENT_GATEWAY_SETTINGS,
] as const satisfies readonly ConfigName[];
export const PAYMENT_EVENTS_CONFIG = [
  "ordersTableName",
  "orderKeysTableName",
  "paymentGateway",
  "stripeWebhookSecretArn",
  "stripeSecretArn",
  "stripeApiBase",
  "criticalAlertsTopicArn",
] as const satisfies readonly ConfigName[];
export const AFTER_SALE_CONFIG = [
  ...STORE_TABLES,
  // A cancellation gives stock back with its movement (stock only rises: no threshold crossed); a
  // full log is copied to the movements table.
  "stockMovementsTableName",
  "orderKeysTableName",
  "idempotencyKeyTtlHours",
  ...PAYMENT_GATEWAY_SETTINGS,
  ...CUSTOMER_EMAIL_SETTINGS,
  "cancellationEmailTemplateName",
  "shipmentEmailTemplateName",
  "refundEmailTemplateName",
  // Returns: the window customers may ask in, and their e-mails.
  "returnWindowDays",
  "returnRequestedEmailTemplateName",
  "returnReceivedEmailTemplateName",
  "returnRejectedEmailTemplateName",
] as const satisfies readonly ConfigName[];
export const UPDATE_INVENTORY_CONFIG = [
  ...STORE_TABLES,
  ...STOCK_CHANGE_SETTINGS,
] as const satisfies readonly ConfigName[];
export const ORDER_SUCCESS_HANDLER_CONFIG = [
  "ordersTableName",
  "orderAlertsTopicArn",
  ...CUSTOMER_EMAIL_SETTINGS,
  "confirmationEmailTemplateName",
  "failureEmailTemplateName",
] as const satisfies readonly ConfigName[];
export const EMAIL_FEEDBACK_CONFIG = ["emailSuppressionTableName"] as const satisfies readonly ConfigName[];
export const RECONCILE_ORDERS_CONFIG = [
  "ordersTableName",
  "stateMachineArn",
  "stuckOrderMinutes",
  "paymentActionTimeoutMinutes",
] as const satisfies readonly ConfigName[];
export const RECONCILE_PAYMENTS_CONFIG = [
  "ordersTableName",
  "reconcileDays",
  ...PAYMENT_GATEWAY_SETTINGS,
] as const satisfies readonly ConfigName[];
export const CUSTOMER_DATA_CONFIG = [
  "ordersTableName",
  "orderKeysTableName",
  "emailSuppressionTableName",
  "userPoolId",
] as const satisfies readonly ConfigName[];
export const SEED_INVENTORY_CONFIG = STORE_TABLES;
export const ORDER_EVENTS_CONFIG = [
  "ordersTableName",
  "inventoryTableName",
  "orderEventBusName",
  "orderEventSource",
] as const satisfies readonly ConfigName[];

/** Every function's configuration, by function: the contracts' and the stack's view. */
export const FUNCTION_CONFIG = {
  OrderPlacement: ORDER_PLACEMENT_CONFIG,
  CatalogAdmin: CATALOG_ADMIN_CONFIG,
  StartOrderProcessing: START_ORDER_PROCESSING_CONFIG,
  ValidateOrder: VALIDATE_ORDER_CONFIG,
  ProcessPayment: PROCESS_PAYMENT_CONFIG,
  PaymentEvents: PAYMENT_EVENTS_CONFIG,
  AfterSale: AFTER_SALE_CONFIG,
  UpdateInventory: UPDATE_INVENTORY_CONFIG,
  OrderSuccessHandler: ORDER_SUCCESS_HANDLER_CONFIG,
  EmailFeedback: EMAIL_FEEDBACK_CONFIG,
  ReconcileOrders: RECONCILE_ORDERS_CONFIG,
  ReconcilePayments: RECONCILE_PAYMENTS_CONFIG,
  CustomerData: CUSTOMER_DATA_CONFIG,
  SeedInventory: SEED_INVENTORY_CONFIG,
  OrderEvents: ORDER_EVENTS_CONFIG,
} as const satisfies Record<string, readonly ConfigName[]>;
type ConfiguredFunction = keyof typeof FUNCTION_CONFIG;
type ConfigOf<Id extends ConfiguredFunction> = {
  readonly [K in (typeof FUNCTION_CONFIG)[Id][number]]: string;
};

function settingsAtTheirDefaults(): Settings {
  return {
    paymentGateway: CONFIG.paymentGateway.default,
    returnWindowDays: CONFIG.returnWindowDays.default,
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
    lowStockThreshold: CONFIG.lowStockThreshold.default,
  };
}

/**
 * Every setting at its default: a simulated gateway, Cognito sign-in on, no CORS. Marked pure so a
 * handler's bundle, which never reads it, leaves it out (esbuild keeps property reads otherwise).
 */
export const DEFAULT_SETTINGS: Settings = /* @__PURE__ */ settingsAtTheirDefaults();

/**
 * A handler's typed configuration: only the entries its contract declares, `names` being its own
 * list (`functionConfig("OrderPlacement", ORDER_PLACEMENT_CONFIG)`; the type allows no other). Each
 * value is read when first used (at cold start, when the handler builds its adapters); a missing
 * variable throws an error that names it.
 */
export function functionConfig<Id extends ConfiguredFunction>(
  id: Id,
  names: (typeof FUNCTION_CONFIG)[Id],
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<Id> {
  const config = {} as Record<ConfigName, string>;
  for (const name of names as readonly ConfigName[]) {
    Object.defineProperty(config, name, {
      enumerable: true,
      get: () => {
        const entry: { env: string; default?: string } = CONFIG[name];
        const value = env[entry.env] || entry.default;
        const variable = entry.env;
        // An empty default ("" = nothing configured) is a value; any other empty value is missing.
        if (value === undefined || (value === "" && entry.default !== "")) {
          throw new Error(
            `${id}: missing required environment variable ${variable} (${name}); the stack sets it from the function's configuration in lambdas/platform/config.ts (FUNCTION_CONFIG).`,
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
