/**
 * The one home of every function's contract: what it is (folder, description, timeout, memory), what
 * triggers it, the configuration it reads and the access it needs. From this declaration:
 * - the stack derives each function's environment and its least-privilege IAM statements;
 * - the local runtime derives the same environment, pointed at local resources;
 * - each handler reads its configuration through `functionConfig(id, ITS_CONFIG)` (config.ts, where
 *   every variable is named), which fails at cold start naming the missing variable;
 * - the build, the benchmarks and the tests enumerate the functions.
 */
import {
  CONFIG,
  CONFIG_SOURCES,
  FUNCTION_CONFIG,
  type ConfigName,
  type ConfigSource,
  type SettingName,
  type Settings,
} from "./config";
import { ORDERS_QUEUE_SETTINGS } from "./queue-settings";
import type { ResourceHandles, ResourceName } from "./resources";

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
  | "paymentEvents"
  /** The orders and inventory tables' DynamoDB streams (event source mappings). */
  | "changeStreams";

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

/** A change of stock that crosses a product's low-stock threshold tells the operators (encrypted topic). */
const TELL_LOW_STOCK: readonly Grant[] = [
  { sid: "TellLowStock", resource: "orderAlertsTopic", actions: ["sns:Publish"] },
  { sid: "EncryptForEncryptedTopic", resource: "topicKey", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
];

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
    config: FUNCTION_CONFIG.OrderPlacement,
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
      {
        sid: "ReadProducts",
        resource: "inventoryTable",
        actions: ["dynamodb:BatchGetItem", "dynamodb:Scan"],
      },
    ],
  },
  CatalogAdmin: {
    folder: "catalog-admin",
    description:
      "API: staff create products, change their names, prices and sale status, and adjust their stock",
    timeoutSeconds: 10,
    memoryMb: 256,
    trigger: "api",
    config: FUNCTION_CONFIG.CatalogAdmin,
    access: [
      // The product's write, its request's record and (for stock) its movement are one transaction.
      {
        sid: "WriteProducts",
        resource: "inventoryTable",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      },
      // Movements are copied from the product's own log (BatchWriteItem) and read by product (Query).
      {
        sid: "RecordStockMovements",
        resource: "stockMovementsTable",
        actions: ["dynamodb:BatchWriteItem", "dynamodb:Query"],
      },
      {
        sid: "RecordIdempotencyKeys",
        resource: "orderKeysTable",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
      },
      ...TELL_LOW_STOCK,
    ],
  },
  StartOrderProcessing: {
    folder: "start-order-processing",
    description: "OrdersQueue consumer: starts one workflow execution per order",
    timeoutSeconds: ORDERS_QUEUE_SETTINGS.consumerTimeoutSeconds,
    memoryMb: 256,
    trigger: "ordersQueue",
    config: FUNCTION_CONFIG.StartOrderProcessing,
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
    config: FUNCTION_CONFIG.ValidateOrder,
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
    config: FUNCTION_CONFIG.ProcessPayment,
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
    config: FUNCTION_CONFIG.PaymentEvents,
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
      "API: cancels orders (owner or staff), ships and refunds them (staff), takes returns, giving back money and stock once",
    timeoutSeconds: 20,
    memoryMb: 256,
    trigger: "api",
    config: FUNCTION_CONFIG.AfterSale,
    access: [
      // Conditional status changes; one transaction sets a refund's amount aside and records its request.
      { sid: "RecordOrderChanges", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      { sid: "RecordRefundRequests", resource: "orderKeysTable", actions: KEY_RECORDS_READ_WRITE },
      // A cancelled order's stock goes back with its movement (in the product's log) and the order's
      // marker, in one transaction, once; a product whose log is full is read and its log copied out.
      {
        sid: "ReleaseCancelledStock",
        resource: "inventoryTable",
        actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
      },
      { sid: "RecordStockMovements", resource: "stockMovementsTable", actions: ["dynamodb:BatchWriteItem"] },
      // A cancelled order's payment wait ends at once instead of timing out.
      { sid: "StopWaitingPayments", resource: "orderStateMachine", actions: ["states:SendTaskFailure"] },
      READ_STRIPE_SECRET_KEY,
      ...sendCustomerEmails([
        ["SendCancellationTemplate", "cancellationEmailTemplate"],
        ["SendShipmentTemplate", "shipmentEmailTemplate"],
        ["SendRefundTemplate", "refundEmailTemplate"],
        ["SendReturnRequestedTemplate", "returnRequestedEmailTemplate"],
        ["SendReturnReceivedTemplate", "returnReceivedEmailTemplate"],
        ["SendReturnRejectedTemplate", "returnRejectedEmailTemplate"],
      ]),
    ],
  },
  UpdateInventory: {
    folder: "update-inventory",
    description: "Workflow: decrements stock for the whole order in one transaction, once",
    timeoutSeconds: 15,
    memoryMb: 256,
    trigger: "workflow",
    config: FUNCTION_CONFIG.UpdateInventory,
    access: [
      // One TransactWriteItems: each line's decrement with its movement (in the product's log) and
      // the order's exactly-once marker; when the marker refuses, one read tells a replay from an
      // order cancelled meanwhile. Products are read when their stock moved to another band, or
      // when their log is due to be copied to the movements table.
      {
        sid: "DecrementStock",
        resource: "inventoryTable",
        actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
      },
      // A crossing's message reads its sale's movement, from the table when a copy moved it there.
      {
        sid: "RecordStockMovements",
        resource: "stockMovementsTable",
        actions: ["dynamodb:BatchWriteItem", "dynamodb:Query"],
      },
      { sid: "MarkOrderReserved", resource: "ordersTable", actions: ORDERS_TABLE_READ_WRITE },
      ...TELL_LOW_STOCK,
    ],
  },
  OrderSuccessHandler: {
    folder: "order-success-handler",
    description:
      "EventBridge target: marks orders CONFIRMED, announces them, and e-mails customers the outcome",
    timeoutSeconds: 15,
    memoryMb: 256,
    trigger: "orderConfirmationRule",
    config: FUNCTION_CONFIG.OrderSuccessHandler,
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
    config: FUNCTION_CONFIG.EmailFeedback,
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
    config: FUNCTION_CONFIG.ReconcileOrders,
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
    config: FUNCTION_CONFIG.ReconcilePayments,
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
    config: FUNCTION_CONFIG.CustomerData,
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
    config: FUNCTION_CONFIG.SeedInventory,
    // A new product with its opening movement (its first stock) in its own log: one put.
    access: [{ sid: "SeedCatalog", resource: "inventoryTable", actions: ["dynamodb:PutItem"] }],
  },
  OrderEvents: {
    folder: "order-events",
    description:
      "Orders and inventory streams: every committed change of an order or of stock → versioned events on the order event bus",
    timeoutSeconds: 30,
    memoryMb: 256,
    trigger: "changeStreams",
    config: FUNCTION_CONFIG.OrderEvents,
    access: [
      // The event source mappings read both streams with the function's role.
      ...(["ordersTableStream", "inventoryTableStream"] as const).map((resource) => ({
        sid: resource === "ordersTableStream" ? "ReadOrderChanges" : "ReadStockChanges",
        resource,
        actions: [
          "dynamodb:DescribeStream",
          "dynamodb:GetRecords",
          "dynamodb:GetShardIterator",
          "dynamodb:ListStreams",
        ],
      })),
      // The only writer of the bus.
      { sid: "PublishOrderEvents", resource: "orderEventBus", actions: ["events:PutEvents"] },
      // A record that cannot be published after its retries is sent (its stream position) here.
      {
        sid: "DeadLetterUnpublishedChanges",
        resource: "orderEventsDeadLetterQueue",
        actions: ["sqs:SendMessage"],
      },
    ],
  },
} as const satisfies Record<keyof typeof FUNCTION_CONFIG, FunctionContract>;

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
  const source: ConfigSource = CONFIG_SOURCES[name];
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
