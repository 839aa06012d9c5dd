/**
 * The whole order system on one machine, as named services started in dependency order and stopped
 * in reverse: the database (dynalite), Secrets Manager (with Stripe only), notifications (SNS),
 * events (OrderConfirmationRule), the
 * workflow (the deployed definition), the queue consumer (OrdersQueue → StartOrderProcessing), the
 * user pool (local ID tokens) and the API (API Gateway with its Cognito authorizer in front of
 * OrderPlacement). The functions run from their bundles, configured from
 * their contracts as the stack configures them.
 */
import { join } from "node:path";
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
} from "aws-lambda";
import { DEFAULT_SETTINGS, type Settings } from "../lambdas/contracts";
import catalog from "../lambdas/shared/catalog.json";
import type { ApiAuthMode } from "../lambdas/shared/customer";
import type { CustomerEmailMode } from "../lambdas/shared/customer-emails";
import { stripeSecretName, type PaymentProvider } from "../lambdas/shared/payment-providers";
import type { Notifier, OrderQueue, WorkflowStarter } from "../lambdas/shared/ports";
import { DEFAULT_ROOT_METHOD, type HttpMethod } from "../lambdas/shared/routes";
import { StatusReply, type LocalActions, type LocalEndpoints } from "./http-server";
import { LocalFunctions } from "./local-functions";
import type { LocalQueue } from "./local-queue";
import {
  LOCAL_EMAIL_CONFIGURATION_SET,
  LOCAL_EMAIL_FEEDBACK_TOPIC,
  LOCAL_NAME_PREFIX,
  LOCAL_SENDER_ADDRESS,
  LOCAL_STRIPE_SECRET_ARN,
  LOCAL_TABLES,
  LOCAL_TOPICS,
  localEnvironment,
} from "./local-resources";
import type { LocalWorkflow } from "./local-workflow";
import { LocalNotifications } from "./notifications";
import { startApiService } from "./services/api";
import { startAuthService, type AuthService } from "./services/auth";
import { startOrderOutbox, type OutboxService } from "./services/order-outbox";
import { resumeUnfinishedOrders } from "./services/recovery";
import { startDatabaseService, type DatabaseService, type TableNames } from "./services/database";
import { startEmailService, type EmailService } from "./services/email";
import { startEventService, type EventService, type StatusChangeEvent } from "./services/events";
import { startQueueService, type QueueService } from "./services/queue-consumer";
import { startSecretsService, type SecretsService } from "./services/secrets";
import { ServiceGroup } from "./services/service";
import { startWorkflowService, type WorkflowService } from "./services/workflow";

/** Wraps a port before a function is given it: how tests inject faults without touching this code. */
export interface PortWrappers {
  readonly orderQueue?: (port: OrderQueue) => OrderQueue;
  readonly workflowStarter?: (port: WorkflowStarter) => WorkflowStarter;
  readonly orderAlerts?: (port: Notifier) => Notifier;
}

export interface LocalRuntimeOptions {
  readonly projectRoot: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Keeps DynamoDB data (LevelDB) between runs; in memory when omitted. */
  readonly dataDir?: string;
  readonly rootMethod?: HttpMethod;
  readonly stageName?: string;
  /** Attempts of a tok_processingError charge that fail before the simulated gateway recovers. */
  readonly gatewayTransientFailures?: number;
  /** OrdersQueue visibility timeout; the stack's value when omitted. */
  readonly visibilityTimeoutMs?: number;
  /** Pause before a workflow Retry (ms); the definition's backoff with jitter when omitted. */
  readonly retryIntervalMs?: number;
  readonly queueConcurrency?: number;
  /** Shows the handlers' own JSON logs (Powertools) and EMF metrics. */
  readonly handlerLogs?: boolean;
  /** Runs DynamoDB inside this process instead of its own (one core instead of two). */
  readonly inProcessDatabase?: boolean;
  readonly wrapPorts?: PortWrappers;
  /** The runtime cannot go on (its in-memory database died): the caller should stop it and exit non-zero. */
  readonly onFatal?: (message: string) => void;
  /** `cognito` (default, as deployed): order routes need a local ID token. `none`: --no-auth. */
  readonly apiAuth?: ApiAuthMode;
  /** Storefront origins allowed by CORS (allowed_origins); none by default. */
  readonly allowedOrigins?: readonly string[];
  /** Who takes the money (payment_provider): the simulated gateway by default. */
  readonly paymentProvider?: PaymentProvider;
  /** customer_emails: `on` (default) captures customer e-mail at GET /_local/emails; `off` sends none. */
  readonly customerEmails?: CustomerEmailMode;
  /** Stripe's secret key, served by the local Secrets Manager (STRIPE_SECRET_KEY); stripe only. */
  readonly stripeSecretKey?: string;
  /** Another Stripe API host (a stand-in for tests); api.stripe.com when omitted. */
  readonly stripeApiBase?: string;
  /** One readable line per order event. */
  readonly log?: (line: string) => void;
}

export interface LocalOrderSystem {
  readonly url: string;
  readonly port: number;
  readonly dynamoDbEndpoint: string;
  /** The database process's id (it is restarted under a new one if it dies). */
  databasePid(): number | undefined;
  readonly tables: TableNames;
  readonly notifications: LocalNotifications;
  /** The local user pool; undefined with apiAuth "none". */
  readonly auth: AuthService | undefined;
  /** The local Secrets Manager; undefined unless the payment provider is Stripe. */
  readonly secrets: SecretsService | undefined;
  /** The local SES (captured customer e-mail); undefined with customerEmails "off". */
  readonly emails: EmailService | undefined;
  readonly queue: LocalQueue;
  readonly workflow: LocalWorkflow;
  /** EventBridge events OrderSuccessHandler could not handle (the confirmation dead-letter queue). */
  confirmationDeadLetters(): readonly StatusChangeEvent[];
  /** Resolves once the queue is drained and no execution or success handler is running. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Seeded exactly as the stack's aws_lambda_invocation does: same handler, same catalog. */
async function seedInventory(functions: LocalFunctions, log: (line: string) => void): Promise<void> {
  const seeded = await functions.handler<unknown, { created: string[]; existing: string[] }>("SeedInventory")(
    catalog,
  );
  log(
    `Inventory: ${seeded.created.length} products seeded, ${seeded.existing.length} kept from the data dir`,
  );
}

function localEndpoints(parts: {
  notifications: LocalNotifications;
  workflow: WorkflowService;
  queue: QueueService;
  events: EventService;
  outbox: OutboxService;
  auth: AuthService | undefined;
  database: DatabaseService;
  email: EmailService | undefined;
}) {
  const { notifications, workflow, queue, events, outbox, auth, database, email } = parts;
  return {
    health: () =>
      database.healthy()
        ? { status: "ok" }
        : new StatusReply(503, { status: "database-down", message: "The local DynamoDB is restarting." }),
    jwks: () => auth?.jwks() ?? { keys: [] },
    notifications: () => ({ notifications: notifications.list().map(({ topicArn: _arn, ...n }) => n) }),
    executions: () => ({ executions: workflow.workflow.list() }),
    emails: () => ({ emails: email?.list() ?? [] }),
    queue: () => ({
      ...queue.queue.stats(),
      deadLetters: queue.queue.deadLetterMessages().map((m) => JSON.parse(m.body)),
      confirmationDeadLetters: events.deadLetters().map((e) => e.detail),
      streamDeadLetters: outbox.deadLetters(),
    }),
  };
}

function settledWhen(
  outbox: OutboxService,
  queue: QueueService,
  workflow: WorkflowService,
  events: EventService,
) {
  return async () => {
    for (;;) {
      await workflow.workflow.idle();
      await events.idle();
      if (
        (await outbox.isIdle()) &&
        queue.queue.isDrained() &&
        workflow.workflow.runningCount() === 0 &&
        events.pendingCount() === 0
      )
        return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

type Log = (line: string) => void;

/** Points every function at the local services (as the stack's contracts do), then loads the bundles. */
function loadFunctions(
  options: LocalRuntimeOptions,
  database: DatabaseService,
  twins: { secrets?: SecretsService; email?: EmailService },
): LocalFunctions {
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    paymentGateway: options.paymentProvider ?? "simulated",
    stripeApiBase: options.stripeApiBase ?? "",
    customerEmails: options.customerEmails ?? "on",
    senderAddress: LOCAL_SENDER_ADDRESS,
    simulatedGatewayTransientFailures: String(options.gatewayTransientFailures ?? 1),
    apiAuth: options.apiAuth ?? "cognito",
    allowedOrigins: (options.allowedOrigins ?? []).join(","),
  };
  const handlerLogs = options.handlerLogs ?? false;
  Object.assign(
    process.env,
    localEnvironment({
      dynamoDbEndpoint: database.endpoint,
      secretsManagerEndpoint: twins.secrets?.endpoint,
      sesEndpoint: twins.email?.endpoint,
      settings,
      handlerLogs,
    }),
  );
  return new LocalFunctions(options.projectRoot);
}

/** OrderConfirmationRule → OrderSuccessHandler, whose alerts go to local SNS. */
function startEvents(
  functions: LocalFunctions,
  notifications: LocalNotifications,
  wrap: PortWrappers,
  dataDir: string | undefined,
  log: Log,
) {
  const alerts = notifications.notifier(LOCAL_TOPICS.OrderAlertsTopic);
  const successHandler = functions.handler<StatusChangeEvent, unknown>("OrderSuccessHandler", {
    alerts: wrap.orderAlerts?.(alerts) ?? alerts,
  });
  return startEventService({
    successHandler,
    notifications,
    deadLetterPath: dataDir && join(dataDir, "queue", "confirmation-dlq.jsonl"),
    log,
  });
}

/** OrdersQueue → StartOrderProcessing, which starts executions of the local workflow. */
function startQueue(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  workflow: WorkflowService,
  notifications: LocalNotifications,
  log: Log,
) {
  const starter = options.wrapPorts?.workflowStarter?.(workflow.starter) ?? workflow.starter;
  return startQueueService({
    consumer: functions.handler<SQSEvent, SQSBatchResponse>("StartOrderProcessing", { workflow: starter }),
    notifications,
    visibilityTimeoutMs: options.visibilityTimeoutMs,
    concurrency: options.queueConcurrency,
    dataDir: options.dataDir,
    log,
  });
}

/**
 * The outbox pipe (orders table stream → OrdersQueue), after re-queueing what a previous run left
 * unfinished: from here on, every accepted order is on its way to CONFIRMED or FAILED.
 */
async function startDelivery(
  options: LocalRuntimeOptions,
  database: DatabaseService,
  queue: QueueService,
  notifications: LocalNotifications,
  log: Log,
): Promise<OutboxService> {
  const sender = options.wrapPorts?.orderQueue?.(queue.sender) ?? queue.sender;
  const resume = () =>
    resumeUnfinishedOrders({
      client: database.client,
      ordersTable: LOCAL_TABLES.orders,
      orderKeysTable: LOCAL_TABLES.orderKeys,
      queue: sender,
      alreadyQueued: queue.queue.queuedBodies(),
      log,
    });
  await resume();
  // Stream records the dead database had not yet handed to the pipe died with it: resume instead.
  database.onRestart(() => void resume().catch((error: unknown) => log(`Resuming failed: ${String(error)}`)));
  return startOrderOutbox({
    dynamoDbEndpoint: database.endpoint,
    client: database.client,
    ordersTable: LOCAL_TABLES.orders,
    queue: sender,
    notifications,
    deadLetterPath: options.dataDir && join(options.dataDir, "queue", "order-stream-dlq.jsonl"),
    log,
  });
}

/** The API stage in front of OrderPlacement, which sends to the local OrdersQueue. */
function startApi(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  local: { routes: LocalEndpoints; actions: LocalActions },
  auth: AuthService | undefined,
  log: Log,
) {
  return startApiService({
    handler: functions.handler<APIGatewayProxyEvent, APIGatewayProxyResult>("OrderPlacement"),
    stageName: options.stageName ?? "prod",
    rootMethod: options.rootMethod ?? DEFAULT_ROOT_METHOD,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 3000,
    localEndpoints: local.routes,
    localActions: local.actions,
    auth,
    allowedOrigins: options.allowedOrigins ?? [],
    log,
  });
}

/**
 * The twins of the AWS services the functions call through their SDKs beyond DynamoDB: Secrets
 * Manager (with Stripe: its key) and SES (with customer e-mail on: captured, never sent).
 */
async function startAwsTwins(options: LocalRuntimeOptions, services: ServiceGroup, log: Log) {
  const secrets =
    options.paymentProvider === "stripe"
      ? await services.start(() =>
          startSecretsService([
            {
              arn: LOCAL_STRIPE_SECRET_ARN,
              name: stripeSecretName(LOCAL_NAME_PREFIX),
              value: options.stripeSecretKey,
            },
          ]),
        )
      : undefined;
  const email =
    (options.customerEmails ?? "on") === "on"
      ? await services.start(() =>
          startEmailService({
            namePrefix: LOCAL_NAME_PREFIX,
            configurationSetName: LOCAL_EMAIL_CONFIGURATION_SET,
            feedbackTopicArn: LOCAL_EMAIL_FEEDBACK_TOPIC,
          }),
        )
      : undefined;
  email?.onSend((e) => log(`e-mail to ${e.to.join(", ")}: ${e.subject}`));
  return { secrets, email };
}

/** POST /_local/emails/bounce {"email"}: SES's bounce notification for that address, to EmailFeedback. */
function bounceAction(functions: LocalFunctions, email: EmailService): LocalActions[string] {
  const feedback = functions.handler<SNSEvent, { suppressed: number }>("EmailFeedback");
  return async (body) => {
    let address: unknown;
    try {
      address = (JSON.parse(body ?? "") as { email?: unknown }).email;
    } catch {
      address = undefined;
    }
    if (typeof address !== "string" || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      return {
        status: 400,
        body: {
          error: { code: "INVALID_EMAIL", message: 'Send {"email": "customer@example.com"}.', details: [] },
        },
      };
    }
    const result = await feedback(email.bounceEvent(address));
    return { status: 200, body: { email: address, suppressed: result.suppressed === 1 } };
  };
}

/** The database (its own process, supervised), on loopback whatever --host says: only the API is exposed. */
function startDatabase(options: LocalRuntimeOptions, log: Log) {
  return startDatabaseService({
    tables: LOCAL_TABLES,
    dataDir: options.dataDir,
    host: "127.0.0.1",
    inProcess: options.inProcessDatabase,
    log,
    onFatal: options.onFatal,
  });
}

export async function startLocalOrderSystem(options: LocalRuntimeOptions): Promise<LocalOrderSystem> {
  const log = options.log ?? (() => undefined);
  const services = new ServiceGroup();
  try {
    const database = await services.start(() => startDatabase(options, log));
    const { secrets, email } = await startAwsTwins(options, services, log);
    const functions = loadFunctions(options, database, { secrets, email });
    await seedInventory(functions, log);
    const notifications = await services.start(() => new LocalNotifications());
    const events = await services.start(() =>
      startEvents(functions, notifications, options.wrapPorts ?? {}, options.dataDir, log),
    );
    const workflow = await services.start(() =>
      startWorkflowService({
        functions,
        notifications,
        dynamodb: database.client,
        retryIntervalMs: options.retryIntervalMs,
        onFinished: events.executionFinished,
        log,
      }),
    );
    const queue = await services.start(() => startQueue(options, functions, workflow, notifications, log));
    const outbox = await services.start(() => startDelivery(options, database, queue, notifications, log));
    const auth = options.apiAuth === "none" ? undefined : await services.start(startAuthService);
    const routes = localEndpoints({ notifications, workflow, queue, events, outbox, auth, database, email });
    const actions: LocalActions = email ? { "emails/bounce": bounceAction(functions, email) } : {};
    const api = await services.start(() => startApi(options, functions, { routes, actions }, auth, log));
    return {
      url: api.url,
      port: api.port,
      dynamoDbEndpoint: database.endpoint,
      databasePid: database.pid,
      tables: LOCAL_TABLES,
      notifications,
      auth,
      secrets,
      emails: email,
      queue: queue.queue,
      workflow: workflow.workflow,
      confirmationDeadLetters: events.deadLetters,
      settled: settledWhen(outbox, queue, workflow, events),
      stop: () => services.stopAll(),
    };
  } catch (error) {
    await services.stopAll().catch(() => undefined);
    throw error;
  }
}
