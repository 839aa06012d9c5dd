/**
 * The whole order system on one machine: the emulated AWS services, started in this order (each
 * after the ones it needs) and stopped in reverse. Each service lives in its own folder under local/
 * and owns its engine, its start, its /_local routes and its IAM hook; this file only lists them.
 */
import type { ReconcilePaymentsResult } from "../lambdas/reconcile-payments/handler";
import type { SimulatedBooks } from "./payments/books";
import { adminService } from "./admin/service";
import { apiGatewayService } from "./apigateway/service";
import { cognitoService } from "./cognito/service";
import type { AuthService } from "./cognito/user-pool";
import { consoleService } from "./console/service";
import type { EventFeed } from "./console/event-feed";
import { dynamoDbEndpointService, dynamoDbService } from "./dynamodb/service";
import type { TableNames } from "./dynamodb/database";
import type { StatusChangeEvent } from "./eventbridge/rule";
import { eventBridgeService } from "./eventbridge/service";
import { orderEventsService } from "./eventbridge/order-events-service";
import { lambdaService } from "./lambda/service";
import type { Meter } from "./meter/meter";
import { paymentProviderService } from "./payments/service";
import { pipesService } from "./pipes/service";
import { RuntimeContext, type ServiceModule } from "./runtime/context";
import { LOCAL_TABLES } from "./runtime/resources";
import { ServiceGroup } from "./runtime/service";
import { resolveSettings, type LocalRuntimeOptions, type RuntimeSettings } from "./runtime/settings";
import type { ReconcilerService } from "./scheduler/reconciler";
import { schedulerService } from "./scheduler/service";
import type { SecretsService } from "./secrets/secrets-manager";
import { secretsManagerService } from "./secrets/service";
import type { EmailService } from "./ses/email";
import { sesService } from "./ses/service";
import type { LocalWorkflow } from "./sfn/interpreter";
import { stepFunctionsService } from "./sfn/service";
import type { LocalNotifications } from "./sns/notifications";
import { snsService } from "./sns/service";
import type { LocalQueue } from "./sqs/queue";
import { sqsService } from "./sqs/service";

export type { LocalRuntimeOptions, PortWrappers } from "./runtime/settings";

/** Start order: a service comes after every service it needs. */
export const LOCAL_SERVICES: readonly ServiceModule[] = [
  dynamoDbService,
  dynamoDbEndpointService,
  secretsManagerService,
  sesService,
  lambdaService,
  snsService,
  eventBridgeService,
  stepFunctionsService,
  paymentProviderService,
  sqsService,
  pipesService,
  orderEventsService,
  schedulerService,
  cognitoService,
  adminService,
  consoleService,
  apiGatewayService,
];

export interface LocalOrderSystem {
  /** Every option with its default applied. */
  readonly settings: RuntimeSettings;
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
  /** The daily payment reconciliation, now. */
  reconcilePayments(): Promise<ReconcilePaymentsResult>;
  /** The simulated provider's books (what it charged and refunded); undefined with Stripe. */
  readonly paymentBooks: SimulatedBooks | undefined;
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

/** Delivery is done when the outbox, the queue, the workflow and the confirmation rule are all idle. */
function settledWhen(ctx: RuntimeContext) {
  const outbox = ctx.need(pipesService);
  const queue = ctx.need(sqsService).queue;
  const { workflow } = ctx.need(stepFunctionsService);
  const events = ctx.need(eventBridgeService);
  const orderEvents = ctx.need(orderEventsService);
  return async () => {
    for (;;) {
      await workflow.idle();
      await events.idle();
      if (
        (await outbox.isIdle()) &&
        (await orderEvents.isIdle()) &&
        queue.isDrained() &&
        workflow.runningCount() === 0 &&
        events.pendingCount() === 0
      )
        return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

function systemOf(ctx: RuntimeContext, services: ServiceGroup): LocalOrderSystem {
  const database = ctx.need(dynamoDbService);
  const api = ctx.need(apiGatewayService);
  return {
    settings: ctx.settings,
    url: api.url,
    port: api.port,
    dynamoDbEndpoint: database.endpoint,
    databasePid: database.pid,
    tables: LOCAL_TABLES,
    notifications: ctx.need(snsService).notifications,
    auth: ctx.need(cognitoService).userPool,
    secrets: ctx.find(secretsManagerService),
    emails: ctx.need(sesService).email,
    queue: ctx.need(sqsService).queue,
    workflow: ctx.need(stepFunctionsService).workflow,
    meter: ctx.meter,
    confirmationDeadLetters: ctx.need(eventBridgeService).deadLetters,
    reconciler: ctx.need(schedulerService),
    reconcilePayments: () => ctx.need(schedulerService).reconcilePayments(),
    paymentBooks: ctx.need(paymentProviderService).books,
    events: ctx.feed,
    iamEnforced: ctx.iam !== undefined,
    iamDenials: () => ctx.iam?.denials() ?? [],
    settled: settledWhen(ctx),
    stop: () => services.stopAll(),
  };
}

export async function startLocalOrderSystem(options: LocalRuntimeOptions): Promise<LocalOrderSystem> {
  const ctx = new RuntimeContext(resolveSettings(options));
  const services = new ServiceGroup();
  try {
    for (const module of LOCAL_SERVICES) {
      const service = await module.start(ctx);
      if (service) ctx.provide(module, await services.start(() => service));
    }
    // Counting starts with the first request: seeding the catalog is deploy-time work, not per order.
    ctx.meter.reset();
    return systemOf(ctx, services);
  } catch (error) {
    await services.stopAll().catch(() => undefined);
    throw error;
  }
}
