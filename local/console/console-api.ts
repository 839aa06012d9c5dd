/**
 * What the console's endpoints answer, shared by the runtime that serves them (console-service.ts)
 * and the page that reads them (page/): the limits, and the shapes as types. Nothing here runs on
 * the server only, so the page's bundle can import it.
 */
import type { ExecutionStatus, ExecutionStep } from "../sfn/interpreter";
import type { ChartSeries, ConsoleOrder, ConsoleReturn } from "./console-orders";
import type { FeedEvent } from "./event-feed";
import type { AlarmState } from "./local-alarms";
import type { WorkflowGraph } from "./workflow-graph";
import type { BusEvent } from "../eventbridge/order-event-bus";
import type { TestCard } from "../runtime/test-cards";

export { isInFlight, ORDER_STATUSES } from "../../lambdas/orders/order";
export { REDRIVE_QUEUES } from "../admin/routes";
export { isPendingPayment } from "../../lambdas/orders/order";
export { SIMULATED_OUTCOMES } from "../../lambdas/payments/providers";

/** Where the console completes or fails a waiting simulated payment (local/payments). */
export const COMPLETE_PAYMENT_PATH = "/_local/payments/complete";
export type { ConsoleOrder, ConsoleReturn, ExecutionStep, FeedEvent, WorkflowGraph };

/** GET /_local/orders: the default and the largest window (the page keeps the largest). */
export const DEFAULT_ORDER_LIMIT = 50;
export const MAX_ORDER_LIMIT = 200;
/** How many of the newest notifications the overview carries. */
export const OVERVIEW_NOTIFICATIONS = 20;
/** How many of the order event bus's newest events the overview shows. */
export const ORDER_EVENTS_SHOWN = 15;

/** GET /_local/order-events. */
export interface OrderEventsAnswer {
  readonly events: readonly BusEvent[];
}

/** How often the page reads GET /_local/overview. */
export const OVERVIEW_EVERY_MS = 2000;

export interface OrdersAnswer {
  readonly orders: ConsoleOrder[];
  readonly limit: number;
  /** The feed's id taken before the read: the page resumes the stream from it. */
  readonly lastEventId: number;
}

export interface JourneyExecution {
  readonly name: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly steps: readonly ExecutionStep[];
}

export interface JourneyAnswer {
  readonly order: ConsoleOrder;
  readonly executions: readonly JourneyExecution[];
  readonly timeline: readonly FeedEvent[];
}

export interface OverviewAnswer {
  readonly at: string;
  readonly queue: {
    readonly visible: number;
    readonly inFlight: number;
    readonly deadLettered: number;
    readonly confirmationDeadLetters: number;
    readonly streamDeadLetters: number;
  };
  readonly executions: { readonly running: number; readonly succeeded: number; readonly failed: number };
  /** Every product (on sale or not) with its stock and its low-stock threshold. */
  readonly stock: readonly ConsoleProduct[];
  readonly alarms: readonly AlarmState[];
  readonly notifications: readonly {
    readonly topic: string;
    readonly subject: string;
    readonly publishedAt: string;
  }[];
  readonly charts: ChartSeries;
}

export interface ConsoleProduct {
  readonly productId: string;
  readonly name: string;
  readonly stock: number;
  readonly active: boolean;
  /** The product's own threshold, or the deployment's (low_stock_threshold). */
  readonly lowStockThreshold: number;
  readonly lowStock: boolean;
}

export interface CatalogAnswer {
  readonly products: readonly {
    productId: string;
    name: string;
    price: number;
    currency: string;
    stock: number;
  }[];
  readonly testCards: readonly TestCard[];
  readonly signIn: boolean;
}

export interface WorkflowAnswer {
  readonly definition: unknown;
  readonly graph: WorkflowGraph;
}

export interface RedriveAnswer {
  readonly queue: string;
  readonly waiting: number;
  readonly moved: number;
}
