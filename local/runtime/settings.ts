/**
 * The local runtime's settings: what a caller (the CLI, a test, a benchmark) may pass, and the same
 * resolved once with every default filled in. Deployment defaults come from the contracts
 * (`DEFAULT_SETTINGS`, the workflow type, the root method, the queue settings); the defaults that
 * exist only locally (port, host) are written here and nowhere else.
 */
import type { DeliveryPolicy, EventSubscription } from "../eventbridge/order-event-bus";
import { DEFAULT_SETTINGS } from "../../lambdas/platform/config";
import { parseAllowedOrigins } from "../../lambdas/platform/cors";
import type { ApiAuthMode } from "../../lambdas/customers/customer";
import type { CustomerEmailMode } from "../../lambdas/email/customer-emails";
import type { PaymentProvider } from "../../lambdas/platform/payment-providers";
import type { Notifier } from "../../lambdas/alerts/ports";
import type { OrderQueue } from "../../lambdas/workflow/ports";
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import { ORDERS_QUEUE_SETTINGS } from "../../lambdas/platform/queue-settings";
import { RECONCILE_EVERY_MINUTES } from "../../lambdas/orders/reconcile-schedule";
import { DEFAULT_ROOT_METHOD, type HttpMethod } from "../../lambdas/platform/routes";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../../lambdas/workflow/type";
import type { StackVariant } from "../iam/synthesized-stack";
import type { Catalog } from "../../lambdas/catalog/catalogue-file";

/** Defaults that exist only on a laptop: where the API listens. */
export const LOCAL_DEFAULTS = { port: 3000, host: "127.0.0.1", stageName: "prod" } as const;

/** Wraps a port before a function is given it: how tests inject faults without touching the runtime. */
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
  /** How long the queue gathers a batch (the event source mapping's window); the stack's value when omitted. */
  readonly batchingWindowMs?: number;
  /** Pause before a workflow Retry (ms); the definition's backoff with jitter when omitted. */
  readonly retryIntervalMs?: number;
  readonly queueConcurrency?: number;
  /** Shows the handlers' own JSON logs (Powertools) and EMF metrics. */
  readonly handlerLogs?: boolean;
  /** Every line a function logs, by log group (tests read what would reach CloudWatch Logs). */
  readonly onHandlerLog?: (logGroup: string, text: string) => void;
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
  /** The webhook endpoint's signing secret (STRIPE_WEBHOOK_SECRET), served by the local Secrets Manager. */
  readonly stripeWebhookSecret?: string;
  /** idempotency_key_ttl_hours: how long an Idempotency-Key names its order (24). */
  readonly idempotencyKeyTtlHours?: number;
  /** The catalogue the system starts with (`--catalog <file>`); the bundled one when omitted. */
  readonly catalog?: Catalog;
  /** reconcile_days: how many days of payments the payment reconciliation compares with the orders (3). */
  readonly reconcileDays?: number;
  /** low_stock_threshold: the stock at or below which a product counts as low, unless it has its own (5). */
  readonly lowStockThreshold?: number;
  /** return_window_days: days after shipment a customer may ask for a return; 0: none (30). */
  readonly returnWindowDays?: number;
  /** Local HTTP subscribers of the order events (`--event-subscription`), delivered as API destinations do. */
  readonly eventSubscriptions?: readonly EventSubscription[];
  /** How long and how often the local bus retries a subscriber (tests shorten it). */
  readonly eventDelivery?: DeliveryPolicy;
  /** payment_action_timeout_minutes, in seconds: how long a payment's outcome is waited for (1800). */
  readonly paymentActionTimeoutSeconds?: number;
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

/** The deployment's defaults, as the stack's variables and the contracts declare them. */
export const RUNTIME_DEFAULTS = {
  ...LOCAL_DEFAULTS,
  rootMethod: DEFAULT_ROOT_METHOD,
  gatewayTransientFailures: Number(DEFAULT_SETTINGS.simulatedGatewayTransientFailures),
  visibilityTimeoutMs: ORDERS_QUEUE_SETTINGS.visibilityTimeoutSeconds * 1000,
  batchingWindowMs: ORDERS_QUEUE_SETTINGS.maxBatchingWindowSeconds * 1000,
  apiAuth: DEFAULT_SETTINGS.apiAuth as ApiAuthMode,
  allowedOrigins: parseAllowedOrigins(DEFAULT_SETTINGS.allowedOrigins) as readonly string[],
  paymentProvider: DEFAULT_SETTINGS.paymentGateway as PaymentProvider,
  customerEmails: DEFAULT_SETTINGS.customerEmails as CustomerEmailMode,
  stuckOrderMinutes: Number(DEFAULT_SETTINGS.stuckOrderMinutes),
  paymentActionTimeoutSeconds: Number(DEFAULT_SETTINGS.paymentActionTimeoutMinutes) * 60,
  idempotencyKeyTtlHours: Number(DEFAULT_SETTINGS.idempotencyKeyTtlHours),
  reconcileDays: Number(DEFAULT_SETTINGS.reconcileDays),
  lowStockThreshold: Number(DEFAULT_SETTINGS.lowStockThreshold),
  returnWindowDays: Number(DEFAULT_SETTINGS.returnWindowDays),
  eventSubscriptions: [] as readonly EventSubscription[],
  reconcileIntervalMs: RECONCILE_EVERY_MINUTES * 60_000,
  workflowType: DEFAULT_WORKFLOW_TYPE,
  iam: true,
} satisfies { readonly [K in keyof LocalRuntimeOptions]?: NonNullable<LocalRuntimeOptions[K]> };

/** The options that have a default: exactly RUNTIME_DEFAULTS' keys. */
type Defaulted = keyof typeof RUNTIME_DEFAULTS;

/** Every option with its default applied: what the services read. */
export type RuntimeSettings = Omit<LocalRuntimeOptions, Defaulted> &
  Required<Pick<LocalRuntimeOptions, Defaulted>>;

/** Fills in every default once; the services never write a default of their own. */
export function resolveSettings(options: LocalRuntimeOptions): RuntimeSettings {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...RUNTIME_DEFAULTS, ...given } as RuntimeSettings;
}
