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
import { StatusReply, type LocalActions, type LocalEndpoints, type LocalStreams } from "./apigateway/http-server";
import { consoleEndpoints, consoleFiles } from "./console/console-service";
import { watchForConsole, type ConsoleWatch } from "./console/console-feed";
import { EventFeed, orderIdIn, orderIdOfLine, serveEventStream } from "./console/event-feed";
import { LocalFunctions } from "./lambda/functions";
import type { LocalQueue } from "./sqs/queue";
import {
  LOCAL_EMAIL_CONFIGURATION_SET,
  LOCAL_EMAIL_FEEDBACK_TOPIC,
  LOCAL_NAME_PREFIX,
  LOCAL_SENDER_ADDRESS,
  LOCAL_STRIPE_SECRET_ARN,
  LOCAL_RESOURCES,
  LOCAL_TABLES,
  LOCAL_TOPICS,
  localEnvironment,
} from "./runtime/resources";
import type { LocalWorkflow } from "./sfn/interpreter";
import { LocalNotifications } from "./sns/notifications";
import { localError, startApiService } from "./apigateway/api";
import { startAuthService, type AuthService } from "./cognito/user-pool";
import { startOrderOutbox, type OutboxService } from "./pipes/outbox";
import { resumeUnfinishedOrders } from "./pipes/recovery";
import { startDatabaseService, type DatabaseService, type TableNames } from "./dynamodb/database";
import { startEmailService, type EmailService } from "./ses/email";
import { startEventService, type EventService, type StatusChangeEvent } from "./eventbridge/rule";
import { startQueueService, type QueueService } from "./sqs/consumer";
import { startSecretsService, type SecretsService } from "./secrets/secrets-manager";
import { ServiceGroup } from "./runtime/service";
import { Meter, type MeterReport } from "./meter/meter";
import { startDynamoDbMeter, type DynamoDbMeter } from "./meter/dynamodb-meter";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_REGION } from "./runtime/resources";
import { startWorkflowService, type WorkflowService } from "./sfn/workflow";
import { startReconciler, type ReconcilerService } from "./scheduler/reconciler";
import { RECONCILE_EVERY_MINUTES } from "../lambdas/shared/reconcile-schedule";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../lambdas/shared/workflow-type";
import { accessKeyOf } from "./iam/access-guard";
import { LocalEnforcement } from "./iam/local-enforcement";
import type { StackVariant } from "./iam/synthesized-stack";

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
  /** stuck_order_minutes: a PENDING or PROCESSING order not updated for this long is stuck (15). */
  readonly stuckOrderMinutes?: number;
  /** How often the reconciler runs (EventBridge Scheduler's 5 minutes when omitted). */
  readonly reconcileIntervalMs?: number;
  /** workflow_type: STANDARD (default, as deployed by default) or EXPRESS. */
  readonly workflowType?: WorkflowType;
  /**
   * Local IAM (default on): every AWS call a function or the workflow makes is checked against its
   * role in the synthesized stack; off (--no-iam) allows everything.
   */
  readonly iam?: boolean;
  /** Changes the stack whose policies are enforced (tests: a stack missing one permission). */
  readonly iamStackVariant?: StackVariant;
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
  /** What AWS would bill for the calls made since start (or the last reset). */
  readonly meter: Meter;
  /** The stuck-order reconciler (runs on its schedule; `runOnce()` runs it now). */
  readonly reconciler: ReconcilerService;
  /** The runtime's event feed (GET /_local/events). */
  readonly events: EventFeed;
  /** Whether local IAM enforces the synthesized policies (off with --no-iam). */
  readonly iamEnforced: boolean;
  /** The latest calls local IAM denied, one readable line each (also logged, and at GET /_local/iam). */
  iamDenials(): readonly string[];
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
  meter: Meter;
  notifications: LocalNotifications;
  workflow: WorkflowService;
  queue: QueueService;
  events: EventService;
  outbox: OutboxService;
  auth: AuthService | undefined;
  database: DatabaseService;
  email: EmailService | undefined;
  iam: LocalEnforcement | undefined;
}) {
  const { notifications, workflow, queue, events, outbox, auth, database, email, iam } = parts;
  return {
    meter: (): MeterReport => parts.meter.report(),
    health: () =>
      database.healthy()
        ? { status: "ok" }
        : new StatusReply(503, { status: "database-down", message: "The local DynamoDB is restarting." }),
    jwks: () => auth?.jwks() ?? { keys: [] },
    notifications: () => ({ notifications: notifications.list().map(({ topicArn: _arn, ...n }) => n) }),
    executions: () => ({ executions: workflow.workflow.list() }),
    emails: () => ({ emails: email?.list() ?? [] }),
    iam: () => ({ enforced: iam !== undefined, denials: iam?.denials() ?? [] }),
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
  dynamoDb: DynamoDbMeter,
  twins: { secrets?: SecretsService; email?: EmailService },
  { meter, iam }: RuntimeContext,
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
    stuckOrderMinutes: String(options.stuckOrderMinutes ?? Number(DEFAULT_SETTINGS.stuckOrderMinutes)),
  };
  Object.assign(
    process.env,
    localEnvironment({
      dynamoDbEndpoint: dynamoDb.endpoint,
      secretsManagerEndpoint: twins.secrets?.endpoint,
      sesEndpoint: twins.email?.endpoint,
      settings,
    }),
  );
  return new LocalFunctions(options.projectRoot, {
    meter,
    showLogs: options.handlerLogs ?? false,
    guardInvocation: iam && ((id, invoke) => iam.invocation(id, invoke)),
  });
}

/** OrderConfirmationRule → OrderSuccessHandler, whose alerts go to local SNS. */
function startEvents(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  notifications: LocalNotifications,
  { log, meter, iam }: RuntimeContext,
) {
  const topic = LOCAL_TOPICS.OrderAlertsTopic;
  const alerts = iam
    ? iam.notifier("OrderSuccessHandler", topic, notifications.notifier(topic))
    : notifications.notifier(topic);
  const successHandler = functions.handler<StatusChangeEvent, unknown>("OrderSuccessHandler", {
    alerts: options.wrapPorts?.orderAlerts?.(alerts) ?? alerts,
  });
  return startEventService({
    successHandler,
    notifications,
    deadLetterPath: options.dataDir && join(options.dataDir, "queue", "confirmation-dlq.jsonl"),
    log,
    meter,
    workflowType: options.workflowType,
  });
}

interface RuntimeContext {
  readonly log: Log;
  readonly meter: Meter;
  readonly iam?: LocalEnforcement;
  /** The console's hooks: order images and workflow steps to the feed. */
  readonly watch?: ConsoleWatch;
}

/** The deployed definition, its tasks bound to the functions, SNS, DynamoDB and the default bus. */
function startWorkflow(
  options: LocalRuntimeOptions,
  parts: {
    functions: LocalFunctions;
    notifications: LocalNotifications;
    events: EventService;
    dynamodb: DynamoDBClient;
  },
  { log, meter, iam, watch }: RuntimeContext,
) {
  return startWorkflowService({
    ...{
      functions: parts.functions,
      notifications: parts.notifications,
      meter,
      log,
      dynamodb: parts.dynamodb,
    },
    ...{ retryIntervalMs: options.retryIntervalMs, type: options.workflowType },
    ...{ onFinished: parts.events.executionFinished, putEvents: parts.events.putEvents },
    onStep: watch?.onStep,
    enforce: iam && ((targets) => iam.workflowTargets(targets)),
  });
}

/** OrdersQueue → StartOrderProcessing, which starts executions of the local workflow. */
function startQueue(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  workflow: WorkflowService,
  notifications: LocalNotifications,
  { log, meter, iam }: RuntimeContext,
) {
  iam?.eventSourceMapping("StartOrderProcessing", LOCAL_RESOURCES.ordersQueue.arn);
  const guarded = iam?.workflowStarter("StartOrderProcessing", workflow.starter) ?? workflow.starter;
  const starter = options.wrapPorts?.workflowStarter?.(guarded) ?? guarded;
  return startQueueService({
    consumer: functions.handler<SQSEvent, SQSBatchResponse>("StartOrderProcessing", { workflow: starter }),
    notifications,
    visibilityTimeoutMs: options.visibilityTimeoutMs,
    concurrency: options.queueConcurrency,
    dataDir: options.dataDir,
    log,
    meter,
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
  { log, meter, iam, watch }: RuntimeContext,
): Promise<OutboxService> {
  // The pipe sends with its own role.
  const piping = iam?.pipe(queue.sender) ?? queue.sender;
  const sender = options.wrapPorts?.orderQueue?.(piping) ?? piping;
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
  // A resume in progress is delivery not yet done: the system is not settled until it finishes.
  let resuming = 0;
  database.onRestart(() => {
    resuming++;
    void resume()
      .catch((error: unknown) => log(`Resuming failed: ${String(error)}`))
      .finally(() => resuming--);
  });
  // The deployed pipe bills a request per stream record that passes its filter.
  const piped: OrderQueue = {
    send: async (message) => {
      meter.record("EventBridge Pipes", "OrderOutboxPipe", { requests: 1 });
      await sender.send(message);
      watch?.onQueued(message.orderId);
    },
  };
  const outbox = await startOrderOutbox({
    dynamoDbEndpoint: database.endpoint,
    client: database.client,
    ordersTable: LOCAL_TABLES.orders,
    queue: piped,
    notifications,
    deadLetterPath: options.dataDir && join(options.dataDir, "queue", "order-stream-dlq.jsonl"),
    log,
    onOrder: watch?.onOrder,
  });
  return {
    name: outbox.name,
    deadLetters: () => outbox.deadLetters(),
    isIdle: async () => resuming === 0 && (await outbox.isIdle()),
    stop: () => outbox.stop(),
  };
}

/** The API stage in front of OrderPlacement, which sends to the local OrdersQueue. */
function startApi(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  local: { routes: LocalEndpoints; actions: LocalActions; streams: LocalStreams },
  auth: AuthService | undefined,
  log: Log,
  meter: Meter,
) {
  return startApiService({
    handler: functions.handler<APIGatewayProxyEvent, APIGatewayProxyResult>("OrderPlacement"),
    stageName: options.stageName ?? "prod",
    rootMethod: options.rootMethod ?? DEFAULT_ROOT_METHOD,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 3000,
    localEndpoints: local.routes,
    localActions: local.actions,
    localStreams: local.streams,
    auth,
    allowedOrigins: options.allowedOrigins ?? [],
    log,
    meter,
  });
}

/**
 * The twins of the AWS services the functions call through their SDKs beyond DynamoDB: Secrets
 * Manager (with Stripe: its key) and SES (with customer e-mail on: captured, never sent).
 */
async function startAwsTwins(
  options: LocalRuntimeOptions,
  services: ServiceGroup,
  log: Log,
  iam: LocalEnforcement | undefined,
) {
  const secrets =
    options.paymentProvider === "stripe"
      ? await services.start(() =>
          startSecretsService(
            [
              {
                arn: LOCAL_STRIPE_SECRET_ARN,
                name: stripeSecretName(LOCAL_NAME_PREFIX),
                value: options.stripeSecretKey,
              },
            ],
            iam?.secrets,
          ),
        )
      : undefined;
  const email =
    (options.customerEmails ?? "on") === "on"
      ? await services.start(() =>
          startEmailService({
            namePrefix: LOCAL_NAME_PREFIX,
            configurationSetName: LOCAL_EMAIL_CONFIGURATION_SET,
            feedbackTopicArn: LOCAL_EMAIL_FEEDBACK_TOPIC,
            authorize: iam?.email,
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

/**
 * The DynamoDB meter every billed caller goes through (the functions by their endpoint, the
 * workflow's DynamoDB task by its client); the runtime's own reads (outbox, recovery) go around it.
 */
async function startDynamoDbMetering(
  services: ServiceGroup,
  database: DatabaseService,
  meter: Meter,
  iam: LocalEnforcement | undefined,
) {
  const dynamoDb = await services.start(() =>
    startDynamoDbMeter(() => database.endpoint, meter, iam?.dynamoDb),
  );
  const { client } = await services.start(() => {
    const metered = new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: LOCAL_REGION,
      // The state machine's role: its DynamoDB task is authorized as the workflow.
      credentials: { accessKeyId: accessKeyOf("Workflow"), secretAccessKey: "local" },
    });
    return { name: "workflow-dynamodb-client", client: metered, stop: async () => metered.destroy() };
  });
  return { dynamoDb, workflowClient: client };
}

/** The stuck-order reconciler on its deployed schedule (or a shorter one), restarting through StartExecution. */
function startReconcilerFor(
  options: LocalRuntimeOptions,
  functions: LocalFunctions,
  workflow: WorkflowService,
  log: Log,
  iam: LocalEnforcement | undefined,
): ReconcilerService {
  return startReconciler({
    functions,
    starter: iam?.workflowStarter("ReconcileOrders", workflow.starter) ?? workflow.starter,
    intervalMs: options.reconcileIntervalMs ?? RECONCILE_EVERY_MINUTES * 60_000,
    log,
  });
}

/** How many orders' ids a redrive shows before moving them. */
const REDRIVE_SAMPLE = 10;

/**
 * POST /_local/redrive?queue=orders|confirmations[&dryRun=true]: what `npm run redrive` does in AWS,
 * on the local dead-letter queues: how many wait, a sample of their orders, then every one moved back
 * (orders to OrdersQueue; confirmations handed to OrderSuccessHandler again).
 */
function redriveAction(queue: QueueService, events: EventService): LocalActions[string] {
  return async (_body, _headers, query) => {
    const name = query.get("queue");
    const dryRun = query.get("dryRun") === "true";
    const orderIdOf = (value: unknown) =>
      String((value as { orderId?: string; name?: string }).orderId ?? (value as { name?: string }).name);
    if (name === "orders") {
      const waiting = queue.queue.deadLetterMessages().map((m) => orderIdOf(JSON.parse(m.body)));
      const moved = dryRun ? 0 : queue.queue.redriveDeadLetters();
      return { status: 200, body: redriveReport(name, waiting, moved, dryRun) };
    }
    if (name === "confirmations") {
      const waiting = events.deadLetters().map((e) => orderIdOf(e.detail));
      const moved = dryRun ? 0 : events.redriveDeadLetters();
      return { status: 200, body: redriveReport(name, waiting, moved, dryRun) };
    }
    return localError(
      400,
      "INVALID_QUEUE",
      "Name the dead-letter queue: ?queue=orders or ?queue=confirmations.",
    );
  };
}

function redriveReport(queue: string, orderIds: string[], moved: number, dryRun: boolean) {
  return {
    queue,
    waiting: orderIds.length,
    sample: orderIds.slice(0, REDRIVE_SAMPLE),
    moved,
    dryRun,
    note: "Orders are idempotent end to end: a redriven order is charged, decremented, confirmed and mailed at most once.",
  };
}

/** POST routes under /_local: the meter's reset, and SES's bounce feedback when e-mail is on. */
function localActions(
  meter: Meter,
  functions: LocalFunctions,
  email: EmailService | undefined,
  redrive: LocalActions[string],
): LocalActions {
  return {
    redrive,
    "meter/reset": async () => {
      meter.reset();
      return { status: 200, body: meter.report() };
    },
    ...(email ? { "emails/bounce": bounceAction(functions, email) } : {}),
  };
}

/**
 * The event feed (GET /_local/events): every runtime line about an order, every SNS publish and
 * every captured e-mail, in the order they happened. Returns the log that also feeds it.
 */
function startFeed(options: LocalRuntimeOptions): { feed: EventFeed; log: Log; watch: ConsoleWatch } {
  const feed = new EventFeed();
  const log = (line: string) => {
    options.log?.(line);
    feed.append("log", { line }, orderIdOfLine(line));
  };
  return { feed, log, watch: watchForConsole(feed) };
}

/** SNS publishes and captured e-mails join the feed. */
function feedFrom(feed: EventFeed, notifications: LocalNotifications, email: EmailService | undefined): void {
  notifications.onPublish((n) =>
    feed.append("notification", { topic: n.topic, subject: n.subject }, orderIdIn(n.subject)),
  );
  email?.onSend((e) =>
    feed.append("email", { to: e.to, subject: e.subject, template: e.template }, orderIdIn(e.subject)),
  );
}

/**
 * Local IAM from the synthesized stack, for this deployment's variable values (none with --no-iam).
 * Local functions run outside any VPC, whatever vpc_mode would do in AWS.
 */
function startIam(options: LocalRuntimeOptions, log: Log): LocalEnforcement | undefined {
  if (options.iam === false) return undefined;
  return new LocalEnforcement({
    projectRoot: options.projectRoot,
    variables: {
      payment_provider: options.paymentProvider ?? DEFAULT_SETTINGS.paymentGateway,
      customer_emails: options.customerEmails ?? DEFAULT_SETTINGS.customerEmails,
      workflow_type: options.workflowType ?? DEFAULT_WORKFLOW_TYPE,
      api_auth: options.apiAuth ?? DEFAULT_SETTINGS.apiAuth,
      vpc_mode: "none",
    },
    stackVariant: options.iamStackVariant,
    log,
  });
}

/** Every route under /_local: the runtime's endpoints and actions, the event feed and the console. */
function localRoutes(
  options: LocalRuntimeOptions,
  parts: Parameters<typeof localEndpoints>[0] & { functions: LocalFunctions },
  feed: EventFeed,
  watch: ConsoleWatch,
) {
  const { queue, events, outbox, workflow } = parts;
  const consoleRoutes = consoleEndpoints({
    client: parts.database.client,
    tables: LOCAL_TABLES,
    feed,
    metrics: watch.metrics,
    queue: queue.queue,
    workflow: workflow.workflow,
    definition: workflow.definition,
    notifications: parts.notifications,
    confirmationDeadLetters: () => events.deadLetters().length,
    streamDeadLetters: () => outbox.deadLetters().length,
    signIn: parts.auth !== undefined,
    paymentProvider: options.paymentProvider ?? "simulated",
  });
  return {
    routes: { ...localEndpoints(parts), ...consoleRoutes },
    actions: localActions(parts.meter, parts.functions, parts.email, redriveAction(queue, events)),
    streams: {
      events: (req, res, query) => serveEventStream(feed, req, res, query),
      ...consoleFiles(),
    } as LocalStreams,
  };
}

export async function startLocalOrderSystem(options: LocalRuntimeOptions): Promise<LocalOrderSystem> {
  const { feed, log, watch } = startFeed(options);
  const services = new ServiceGroup();
  const meter = new Meter();
  try {
    const database = await services.start(() => startDatabase(options, log));
    const iam = startIam(options, log);
    const ctx = { log, meter, iam, watch };
    const { dynamoDb, workflowClient } = await startDynamoDbMetering(services, database, meter, iam);
    const { secrets, email } = await startAwsTwins(options, services, log, iam);
    email?.onSend((sent) => meter.record("SES", "SendEmail", { emails: sent.to.length }));
    const functions = loadFunctions(options, dynamoDb, { secrets, email }, ctx);
    await seedInventory(functions, log);
    const notifications = await services.start(() => new LocalNotifications({ meter }));
    feedFrom(feed, notifications, email);
    const events = await services.start(() => startEvents(options, functions, notifications, ctx));
    const workflow = await services.start(() =>
      startWorkflow(options, { functions, notifications, events, dynamodb: workflowClient }, ctx),
    );
    const queue = await services.start(() => startQueue(options, functions, workflow, notifications, ctx));
    const outbox = await services.start(() => startDelivery(options, database, queue, notifications, ctx));
    const reconciler = await services.start(() => startReconcilerFor(options, functions, workflow, log, iam));
    const auth = options.apiAuth === "none" ? undefined : await services.start(startAuthService);
    const parts = { meter, notifications, workflow, queue, events, outbox, auth, database, email, iam };
    const local = localRoutes(options, { ...parts, functions }, feed, watch);
    const api = await services.start(() => startApi(options, functions, local, auth, log, meter));
    // Counting starts with the first request: seeding the catalog is deploy-time work, not per order.
    meter.reset();
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
      meter,
      confirmationDeadLetters: events.deadLetters,
      reconciler,
      events: feed,
      iamEnforced: iam !== undefined,
      iamDenials: () => iam?.denials() ?? [],
      settled: settledWhen(outbox, queue, workflow, events),
      stop: () => services.stopAll(),
    };
  } catch (error) {
    await services.stopAll().catch(() => undefined);
    throw error;
  }
}
