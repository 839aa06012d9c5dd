/**
 * The AWS resources a function can be configured with or granted access to, and how the stack or
 * the local runtime names each one: the vocabulary both the configuration (config.ts) and the
 * contracts (contracts.ts) speak.
 */
/** The resources a function can be configured with or granted access to. */
export type ResourceName =
  | "ordersTable"
  | "ordersByCustomerIndex"
  /** Orders by status and last update: how the reconciler finds orders that stopped moving. */
  | "ordersByStatusIndex"
  | "orderKeysTable"
  | "inventoryTable"
  /** Every change of a product's stock with its cause (StockMovementsTable). */
  | "stockMovementsTable"
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
  | "refundEmailTemplate"
  | "returnRequestedEmailTemplate"
  | "returnReceivedEmailTemplate"
  | "returnRejectedEmailTemplate"
  /** The order event bus (`<prefix>-order-events`): its ARN, name, and the source its events carry. */
  | "orderEventBus"
  /** Stream records OrderEvents could not publish after its retries. */
  | "orderEventsDeadLetterQueue"
  /** The orders and inventory tables' streams, read by OrderEvents. */
  | "ordersTableStream"
  | "inventoryTableStream";

/** How the stack or the local runtime names one resource. */
export interface ResourceHandle {
  readonly arn: string;
  /** Tables: the table name; queues: the queue URL. */
  readonly name?: string;
  readonly url?: string;
  /** User pools: the pool's id. */
  readonly id?: string;
  /** Event buses: the `source` of the events the system puts on it. */
  readonly source?: string;
}
export type ResourceHandles = Record<ResourceName, ResourceHandle>;
