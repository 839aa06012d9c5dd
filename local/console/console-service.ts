/**
 * The local console (GET /_local/console): a static page and the JSON endpoints it reads, all
 * documented in docs/LOCAL.md. The page gets live changes from the event feed (GET /_local/events) and
 * reads the figures below; it never reads a card token, a secret or an ID token it did not ask for.
 */
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { DynamoDbInventoryStore } from "../../lambdas/catalog/adapters/dynamodb-inventory-store";
import { ORDER_ID_PATTERN } from "../../lambdas/platform/ids";
import { ORDER_STATUSES, type OrderStatus } from "../../lambdas/orders/order";
import { productView } from "../../lambdas/catalog/product";
import { TEST_CARDS } from "../runtime/test-cards";
import type { PaymentProvider } from "../../lambdas/platform/payment-providers";
import { ORDERS_TABLE } from "../../lambdas/platform/table-definitions";
import type { WorkflowDefinition } from "../../lambdas/workflow/definition";
import { sendError } from "../admin/router";
import { StatusReply, type LocalEndpoints, type LocalStreams } from "../admin/routes";
import type { LocalNotifications } from "../sns/notifications";
import type { LocalQueue } from "../sqs/queue";
import type { LocalWorkflow } from "../sfn/interpreter";
import {
  DEFAULT_ORDER_LIMIT,
  MAX_ORDER_LIMIT,
  OVERVIEW_NOTIFICATIONS,
  type JourneyAnswer,
  type OverviewAnswer,
} from "./console-api";
import { consoleOrderFromItem, newestOrders, type OrderMetrics } from "./console-orders";
import type { EventFeed } from "./event-feed";
import { evaluateAlarms } from "./local-alarms";
import { workflowGraph, type WorkflowGraph } from "./workflow-graph";

export interface ConsoleParts {
  readonly client: DynamoDBClient;
  readonly tables: { readonly orders: string; readonly inventory: string };
  readonly feed: EventFeed;
  readonly metrics: OrderMetrics;
  readonly queue: LocalQueue;
  readonly workflow: LocalWorkflow;
  readonly definition: WorkflowDefinition;
  readonly notifications: LocalNotifications;
  readonly confirmationDeadLetters: () => number;
  readonly streamDeadLetters: () => number;
  /** When the workflow counted each unexpected failure (UnexpectedOrderFailures). */
  readonly unexpectedFailures: () => readonly number[];
  /** Whether sign-in is on: the page then signs a local customer in before it places an order. */
  readonly signIn: boolean;
  /** Which test cards the form offers. */
  readonly paymentProvider: PaymentProvider;
  /** low_stock_threshold: the threshold of products without their own. */
  readonly lowStockThreshold: number;
}

const invalidQuery = (message: string) => StatusReply.error(400, "INVALID_QUERY", message);

type Parsed<T> = { ok: T } | { error: StatusReply };

function orderFilter(
  query: URLSearchParams,
): Parsed<{ status?: OrderStatus; customer?: string; limit: number }> {
  const status = query.get("status") || undefined;
  if (status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(status))
    return { error: invalidQuery(`status must be one of ${ORDER_STATUSES.join(", ")}.`) };
  const customer = query.get("customer") || undefined;
  if (customer !== undefined && customer.length > 254)
    return { error: invalidQuery("customer is part of an e-mail address: at most 254 characters.") };
  const rawLimit = query.get("limit") ?? String(DEFAULT_ORDER_LIMIT);
  const limit = Number(rawLimit);
  if (!/^\d{1,4}$/.test(rawLimit) || limit < 1 || limit > MAX_ORDER_LIMIT)
    return { error: invalidQuery(`limit must be a whole number from 1 to ${MAX_ORDER_LIMIT}.`) };
  return { ok: { status: status as OrderStatus | undefined, customer, limit } };
}

/** GET /_local/journey?orderId=: the order, its executions step by step, and its events in the feed. */
async function journey(parts: ConsoleParts, query: URLSearchParams): Promise<JourneyAnswer | StatusReply> {
  const orderId = query.get("orderId") ?? "";
  if (!ORDER_ID_PATTERN.test(orderId)) return invalidQuery("orderId must be an order id (a UUID).");
  const { Item } = await parts.client.send(
    new GetItemCommand({
      TableName: parts.tables.orders,
      Key: { [ORDERS_TABLE.partitionKey]: { S: orderId } },
      ConsistentRead: true,
    }),
  );
  if (!Item) return StatusReply.error(404, "ORDER_NOT_FOUND", `No order ${orderId}.`);
  const executions = parts.workflow.executionsNamed(orderId).map((e) => ({
    name: e.name,
    executionArn: e.executionArn,
    status: e.status,
    startDate: e.startDate,
    stopDate: e.stopDate ?? null,
    error: e.error ?? null,
    cause: e.cause ?? null,
    steps: parts.workflow.stepsOf(e.executionArn) ?? [],
  }));
  return { order: consoleOrderFromItem(Item), executions, timeline: parts.feed.forOrder(orderId) };
}

/** GET /_local/overview: queues, executions, stock, alarms, notifications and the charts' series. */
async function overview(parts: ConsoleParts, inventory: DynamoDbInventoryStore): Promise<OverviewAnswer> {
  const queue = parts.queue.stats();
  const executions = parts.workflow.list();
  const figures = {
    ordersQueueVisible: queue.visible,
    ordersDeadLetters: queue.deadLettered,
    confirmationDeadLetters: parts.confirmationDeadLetters(),
    streamDeadLetters: parts.streamDeadLetters(),
    unexpectedFailureTimes: parts.unexpectedFailures(),
  };
  const products = await inventory.listProducts();
  return {
    at: new Date().toISOString(),
    queue: {
      ...queue,
      confirmationDeadLetters: figures.confirmationDeadLetters,
      streamDeadLetters: figures.streamDeadLetters,
    },
    executions: {
      running: parts.workflow.runningCount(),
      succeeded: executions.filter((e) => e.status === "SUCCEEDED").length,
      failed: executions.filter((e) => e.status === "FAILED").length,
    },
    stock: products
      .map((p) => {
        const threshold = p.lowStockThreshold ?? parts.lowStockThreshold;
        return {
          productId: p.productId,
          name: p.name,
          stock: p.stock,
          active: p.active,
          lowStockThreshold: threshold,
          lowStock: p.stock <= threshold,
        };
      })
      .sort((a, b) => a.productId.localeCompare(b.productId)),
    alarms: evaluateAlarms(figures),
    notifications: parts.notifications
      .list()
      .slice(-OVERVIEW_NOTIFICATIONS)
      .reverse()
      .map((n) => ({ topic: n.topic, subject: n.subject, publishedAt: n.publishedAt })),
    charts: parts.metrics.series(),
  };
}

/** GET endpoints under /_local the console reads. */
export function consoleEndpoints(parts: ConsoleParts): LocalEndpoints {
  const inventory = new DynamoDbInventoryStore(
    DynamoDBDocumentClient.from(parts.client),
    parts.tables.inventory,
    parts.tables.orders,
  );
  // Laid out on the first request (about 30 ms), not at every start of the runtime.
  let graph: WorkflowGraph | undefined;
  return {
    orders: async (query) => {
      const filter = orderFilter(query);
      if ("error" in filter) return filter.error;
      // Taken before the read: the stream from here replays whatever changed during it.
      const lastEventId = parts.feed.lastId;
      const orders = await newestOrders(parts.client, parts.tables.orders, filter.ok);
      return { orders, limit: filter.ok.limit, lastEventId };
    },
    catalog: async () => ({
      products: (await inventory.listProducts())
        .map(productView)
        .sort((a, b) => String(a.productId).localeCompare(String(b.productId))),
      testCards: TEST_CARDS[parts.paymentProvider],
      signIn: parts.signIn,
    }),
    journey: (query) => journey(parts, query),
    overview: () => overview(parts, inventory),
    workflow: () => ({ definition: parts.definition, graph: (graph ??= workflowGraph(parts.definition)) }),
  };
}

const ASSETS_DIR = join(__dirname, "assets");
/** uPlot's browser build, from the installed package (never a CDN: the page works offline). */
const UPLOT_DIST = dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));

const CONSOLE_FILES: Readonly<Record<string, readonly [path: string, type: string]>> = {
  console: [join(ASSETS_DIR, "index.html"), "text/html; charset=utf-8"],
  "console/console.css": [join(ASSETS_DIR, "console.css"), "text/css; charset=utf-8"],
  "console/console-graph.css": [join(ASSETS_DIR, "console-graph.css"), "text/css; charset=utf-8"],
  "console/uPlot.iife.min.js": [join(UPLOT_DIST, "uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
  "console/uPlot.min.css": [join(UPLOT_DIST, "uPlot.min.css"), "text/css; charset=utf-8"],
};

/** Only this origin: no CDN, no inline script, no other host the page could talk to. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function send(res: ServerResponse, body: Buffer, type: string): void {
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": body.length,
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

/** The page's script: page/main.ts and what it imports, bundled by esbuild (an edit shows on reload). */
const PAGE_ENTRY = join(__dirname, "page", "main.ts");

async function sendPageScript(res: ServerResponse): Promise<void> {
  try {
    const { outputFiles } = await build({
      entryPoints: [PAGE_ENTRY],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    send(res, Buffer.from(outputFiles[0].contents), "text/javascript; charset=utf-8");
  } catch (error) {
    sendError(res, 500, "CONSOLE_BUILD_FAILED", `The console's script did not build: ${String(error)}`);
  }
}

/** The page and its assets, read from the package at each request (an edit shows on reload). */
export function consoleFiles(): LocalStreams {
  return {
    ...Object.fromEntries(
      Object.entries(CONSOLE_FILES).map(([name, [path, type]]) => [
        name,
        (_req, res) => send(res, readFileSync(path), type),
      ]),
    ),
    "console/console.js": (_req, res) => void sendPageScript(res),
  };
}
