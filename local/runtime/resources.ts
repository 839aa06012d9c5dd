/**
 * The local twins of the stack's resources: names, ARNs and URLs the local runtime gives the
 * functions (through their contracts, as the stack does) and its services answer to.
 */
import { FUNCTIONS, environmentFor, functionSpec, type FunctionId } from "../../lambdas/platform/contracts";
import { type ResourceHandles } from "../../lambdas/platform/resources";
import { observabilityEnvironment, type Settings } from "../../lambdas/platform/config";
import type { CustomerEmailKind } from "../../lambdas/orders/order";
import { emailTemplateName } from "../../lambdas/email/templates";
import { stripeSecretName, stripeWebhookSecretName } from "../../lambdas/payments/providers";
import { ORDERS_BY_CUSTOMER_INDEX, ORDERS_BY_STATUS_INDEX } from "../../lambdas/platform/table-definitions";
import type { WorkflowResources } from "../../lambdas/workflow/definition";

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

export const LOCAL_TABLES = {
  orders: "local-orders",
  inventory: "local-inventory",
  stockMovements: "local-stock-movements",
  orderKeys: "local-order-keys",
  emailSuppression: "local-email-suppression",
} as const;

/** The local deployment's name prefix: SES template names are derived from it, as deployed. */
export const LOCAL_NAME_PREFIX = "local";
export const LOCAL_SENDER_ADDRESS = "orders@store.localhost";
export const LOCAL_EMAIL_CONFIGURATION_SET = `${LOCAL_NAME_PREFIX}-customer-email`;
export const LOCAL_EMAIL_FEEDBACK_TOPIC = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:email-feedback`;

export const LOCAL_TOPICS = {
  OrderAlertsTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-alerts`,
  OrderErrorNotificationTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-errors`,
  CriticalAlertsTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:critical-alerts`,
} as const;

export const STATE_MACHINE_NAME = "order-processing";
/** The local user pool's id (the Cognito twin, local/cognito/). */
export const LOCAL_USER_POOL_ID = `${LOCAL_REGION}_LocalPool`;
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;
export const LOCAL_EVENT_BUS_ARN = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/default`;
export const LOCAL_ORDER_EVENT_BUS_NAME = `${LOCAL_NAME_PREFIX}-order-events`;
export const LOCAL_ORDER_EVENT_BUS_ARN = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${LOCAL_ORDER_EVENT_BUS_NAME}`;
export const LOCAL_ORDERS_QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:orders`;

/** Secrets Manager appends six random characters to a secret's name in its ARN. */
export const LOCAL_STRIPE_SECRET_ARN = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${stripeSecretName(LOCAL_NAME_PREFIX)}-Lc4lSk`;
export const LOCAL_STRIPE_WEBHOOK_SECRET_ARN = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${stripeWebhookSecretName(LOCAL_NAME_PREFIX)}-Wh7kQz`;

function sesArn(resource: string): string {
  return `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
}

function localTemplate(kind: CustomerEmailKind): { arn: string; name: string } {
  const name = emailTemplateName(LOCAL_NAME_PREFIX, kind);
  return { arn: sesArn(`template/${name}`), name };
}

/** A local table's ARN (IAM names tables and their indexes by ARN). */
export const tableArn = (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;

export const LOCAL_RESOURCES: ResourceHandles = {
  ordersTable: { arn: tableArn(LOCAL_TABLES.orders), name: LOCAL_TABLES.orders },
  ordersByCustomerIndex: {
    arn: `${tableArn(LOCAL_TABLES.orders)}/index/${ORDERS_BY_CUSTOMER_INDEX.name}`,
  },
  ordersByStatusIndex: { arn: `${tableArn(LOCAL_TABLES.orders)}/index/${ORDERS_BY_STATUS_INDEX.name}` },
  inventoryTable: { arn: tableArn(LOCAL_TABLES.inventory), name: LOCAL_TABLES.inventory },
  stockMovementsTable: { arn: tableArn(LOCAL_TABLES.stockMovements), name: LOCAL_TABLES.stockMovements },
  orderKeysTable: { arn: tableArn(LOCAL_TABLES.orderKeys), name: LOCAL_TABLES.orderKeys },
  ordersQueue: { arn: LOCAL_ORDERS_QUEUE_ARN, url: `http://localhost/${LOCAL_ACCOUNT}/orders` },
  confirmationDeadLetterQueue: { arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-confirmation-dlq` },
  orderWorkflow: { arn: LOCAL_STATE_MACHINE_ARN },
  orderStateMachine: { arn: LOCAL_STATE_MACHINE_ARN },
  orderAlertsTopic: { arn: LOCAL_TOPICS.OrderAlertsTopic },
  criticalAlertsTopic: { arn: LOCAL_TOPICS.CriticalAlertsTopic },
  customerUserPool: {
    arn: `arn:aws:cognito-idp:${LOCAL_REGION}:${LOCAL_ACCOUNT}:userpool/${LOCAL_USER_POOL_ID}`,
    id: LOCAL_USER_POOL_ID,
  },
  topicKey: { arn: `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/local-topic-key` },
  stripeSecret: { arn: LOCAL_STRIPE_SECRET_ARN },
  stripeWebhookSecret: { arn: LOCAL_STRIPE_WEBHOOK_SECRET_ARN },
  emailSuppressionTable: {
    arn: tableArn(LOCAL_TABLES.emailSuppression),
    name: LOCAL_TABLES.emailSuppression,
  },
  emailIdentity: { arn: sesArn(`identity/${LOCAL_SENDER_ADDRESS}`) },
  emailConfigurationSet: {
    arn: sesArn(`configuration-set/${LOCAL_EMAIL_CONFIGURATION_SET}`),
    name: LOCAL_EMAIL_CONFIGURATION_SET,
  },
  confirmationEmailTemplate: localTemplate("confirmation"),
  failureEmailTemplate: localTemplate("failure"),
  cancellationEmailTemplate: localTemplate("cancellation"),
  shipmentEmailTemplate: localTemplate("shipment"),
  refundEmailTemplate: localTemplate("refund"),
  returnRequestedEmailTemplate: localTemplate("returnRequested"),
  returnReceivedEmailTemplate: localTemplate("returnReceived"),
  returnRejectedEmailTemplate: localTemplate("returnRejected"),
  orderEventBus: {
    arn: LOCAL_ORDER_EVENT_BUS_ARN,
    name: LOCAL_ORDER_EVENT_BUS_NAME,
    source: `${LOCAL_NAME_PREFIX}.orders`,
  },
  orderEventsDeadLetterQueue: { arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:order-events-dlq` },
  ordersTableStream: { arn: `${tableArn(LOCAL_TABLES.orders)}/stream/local` },
  inventoryTableStream: { arn: `${tableArn(LOCAL_TABLES.inventory)}/stream/local` },
};

/** The name a local function goes by (in its ARN, its context and the logs). */
export function localFunctionName(id: FunctionId): string {
  return `local-${functionSpec(id).folder}`;
}

export function localFunctionArn(id: FunctionId): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${localFunctionName(id)}`;
}

/** The function a local Lambda ARN names; throws for an ARN no contract declares. */
export function functionIdForArn(arn: string): FunctionId {
  const spec = FUNCTIONS.find((f) => localFunctionArn(f.id) === arn);
  if (!spec) {
    throw new Error(
      `${arn} is not a function of lambdas/platform/contracts.ts: declare its contract there first.`,
    );
  }
  return spec.id;
}

/**
 * What the local workflow definition points at: the stack's workflowResources, as local twins, and
 * the wait for a payment's outcome (--payment-action-timeout, in seconds).
 */
export function localWorkflowResources(paymentActionTimeoutSeconds: number): WorkflowResources {
  return {
    functionArn: localFunctionArn,
    ordersTableName: LOCAL_TABLES.orders,
    orderErrorTopicArn: LOCAL_TOPICS.OrderErrorNotificationTopic,
    criticalAlertsTopicArn: LOCAL_TOPICS.CriticalAlertsTopic,
    eventBusArn: LOCAL_EVENT_BUS_ARN,
    paymentActionTimeoutSeconds,
  };
}

export interface LocalEnvironmentOptions {
  readonly dynamoDbEndpoint: string;
  /** The local Secrets Manager, when the deployment's twin has a secret to read (Stripe). */
  readonly secretsManagerEndpoint?: string;
  /** The local SES, with customer e-mail on. */
  readonly sesEndpoint?: string;
  readonly settings: Settings;
}

/**
 * What the stack sets on each function, pointed at local services. All local functions share one
 * process environment, and every contract resolves against the same local resources, so the union
 * of their environments is what each one would see. SDK clients find DynamoDB through
 * AWS_ENDPOINT_URL_DYNAMODB and Secrets Manager through AWS_ENDPOINT_URL_SECRETS_MANAGER; the queue,
 * the workflow and SNS are passed in as adapters.
 */
export function localEnvironment(options: LocalEnvironmentOptions): Record<string, string> {
  const functions = Object.assign(
    {},
    ...FUNCTIONS.map((spec) => environmentFor(spec, LOCAL_RESOURCES, options.settings)),
  ) as Record<string, string>;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
    ...(options.secretsManagerEndpoint
      ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secretsManagerEndpoint }
      : {}),
    ...(options.sesEndpoint ? { AWS_ENDPOINT_URL_SESV2: options.sesEndpoint } : {}),
    ...functions,
    // As deployed: the handlers log at INFO and emit EMF metrics. Their output is metered, and
    // printed only with --handler-logs (LocalFunctions).
    ...observabilityEnvironment("local", { logLevel: "INFO", metrics: true }),
  };
}
