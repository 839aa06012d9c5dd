/**
 * The console's endpoints against the running system: the orders list and its filters, one order's
 * journey step by step (happy path, decline, retry and compensation), the overview's figures
 * against /_local/queue and /products, the page and its assets, and bad input answered 400.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HAPPY_PATH, STATES } from "../../lambdas/workflow/definition";
import { localWorkflowDefinition } from "../../local/sfn/workflow";
import { MAX_ORDER_LIMIT } from "../../local/console/console-api";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { DECLINED_CARD_PATH } from "../support/workflow-paths";
import { nonLoopbackAddress } from "../support/network";

jest.setTimeout(60_000);

interface Step {
  state: string;
  status: string;
  retries: number;
  durationMs?: number;
  error?: string;
  changed?: Record<string, unknown>;
}
interface Journey {
  order: { orderId: string; status: string; payment: { status: string; refundId?: string } | null };
  executions: { status: string; steps: Step[] }[];
  timeline: { type: string; data: Record<string, unknown> }[];
}

let t: TestSystem;
beforeAll(async () => {
  // Sign-in off and every interface: the console's endpoints are then reachable from the network.
  t = await startTestSystem({ apiAuth: "none", host: "0.0.0.0" });
});
afterAll(() => t?.stop());

const get = async (path: string) => {
  const response = await fetch(`${t.system.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function placed(paymentToken: string, productId = "SKU-1002", customerEmail = "buyer@example.com") {
  const reply = await t.placeOrder({ customerEmail, items: [{ productId, quantity: 1 }], paymentToken });
  expect(reply.status).toBe(202);
  const orderId = String(reply.body.orderId);
  await t.waitForFinalStatus(orderId);
  return orderId;
}

const journeyOf = async (orderId: string) =>
  (await get(`/_local/journey?orderId=${orderId}`)).body as unknown as Journey;
const statesOf = (journey: Journey) => journey.executions.at(-1)!.steps.map((s) => s.state);

test("an accepted order's journey: the happy path's states in order, with durations, the charge and its events", async () => {
  const orderId = await placed("tok_visa");
  const journey = await journeyOf(orderId);
  const steps = journey.executions.at(-1)!.steps;
  expect(journey.order.status).toBe("CONFIRMED");
  expect(steps.map((s) => s.state)).toEqual([
    HAPPY_PATH[0],
    HAPPY_PATH[1],
    STATES.paymentSettled,
    HAPPY_PATH[2],
  ]);
  for (const step of steps) {
    expect(step.status).toBe("succeeded");
    expect(step.durationMs).toBeGreaterThanOrEqual(0);
  }
  expect(steps[1].changed?.payment).toMatchObject({
    status: "CHARGED",
    chargeId: expect.stringMatching(/^ch_/),
  });
  expect(steps[3].changed?.inventory).toMatchObject({ inventory: "reserved" });
  const types = journey.timeline.map((e) => e.type);
  for (const type of ["log", "order", "queue", "notification", "email"]) expect(types).toContain(type);
  const statuses = journey.timeline
    .filter((e) => e.type === "order")
    .map((e) => (e.data.order as { status: string }).status);
  expect(statuses.at(-1)).toBe("CONFIRMED");
});

test("a declined card: ProcessPayment caught into the failure path, ending in the Fail state", async () => {
  const journey = await journeyOf(await placed("tok_chargeDeclined"));
  const steps = journey.executions.at(-1)!.steps;
  expect(journey.order.status).toBe("FAILED");
  expect(steps.map((s) => s.state)).toEqual([...DECLINED_CARD_PATH]);
  expect(steps[1]).toMatchObject({ status: "caught", error: "PaymentDeclined" });
  expect(steps.at(-1)).toMatchObject({ status: "failed", error: "PaymentDeclined" });
});

test("a gateway error is retried, and stock gone after payment takes the compensation branch (refund)", async () => {
  const productId = "SKU-1005";
  // When the payment step starts, someone else buys the last units: UpdateInventory then fails.
  const unsubscribe = t.system.events.subscribe((event) => {
    if (
      event.type === "step" &&
      event.data.state === STATES.processPayment &&
      event.data.event === "StateEntered"
    )
      void t.setStock(productId, 0);
  });
  const orderId = await placed("tok_processingError", productId).finally(unsubscribe);
  const journey = await journeyOf(orderId);
  const steps = journey.executions.at(-1)!.steps;
  const payment = steps.find((s) => s.state === STATES.processPayment)!;
  expect(payment).toMatchObject({ status: "succeeded", retries: 1 });
  expect(steps.find((s) => s.state === STATES.updateInventory)).toMatchObject({ status: "caught" });
  expect(statesOf(journey)).toContain(STATES.releaseInventory);
  const refund = steps.find((s) => s.state === STATES.refundPayment)!;
  expect(refund.status).toBe("succeeded");
  expect(refund.changed?.refund).toMatchObject({ status: "REFUNDED" });
  expect(journey.order).toMatchObject({ status: "FAILED", payment: { status: "REFUNDED" } });
  await t.setStock(productId, 200);
});

test("orders: newest first, filtered by status and customer, bounded by limit, with the feed position", async () => {
  await placed("tok_visa", "SKU-1001", "someone.else@example.com");
  const all = (await get("/_local/orders")).body as {
    orders: { orderId: string; status: string; customer: string; createdAt: string }[];
    lastEventId: number;
  };
  expect(all.orders.length).toBeGreaterThanOrEqual(4);
  const created = all.orders.map((o) => o.createdAt);
  expect(created).toEqual([...created].sort().reverse());
  expect(all.lastEventId).toBeGreaterThan(0);
  expect(JSON.stringify(all)).not.toMatch(/tok_|requestHash|idempotencyKey/);
  const failed = (await get("/_local/orders?status=FAILED")).body.orders as { status: string }[];
  expect(failed.length).toBeGreaterThanOrEqual(2);
  expect(failed.every((o) => o.status === "FAILED")).toBe(true);
  const someone = (await get("/_local/orders?customer=SOMEONE.else")).body.orders as { customer: string }[];
  expect(someone.map((o) => o.customer)).toEqual(["someone.else@example.com"]);
  expect(((await get("/_local/orders?limit=1")).body.orders as unknown[]).length).toBe(1);
});

test("the overview's queue and stock are /_local/queue's and /products'; failed executions that are business outcomes page nobody", async () => {
  await t.system.settled();
  const overview = (await get("/_local/overview")).body as {
    queue: Record<string, number>;
    stock: { productId: string; stock: number }[];
    alarms: { alarm: string; state: string }[];
    executions: { running: number; failed: number };
    charts: { t: number[]; accepted: number[]; finished: number[]; p50: (number | null)[] };
  };
  const queue = (await get("/_local/queue")).body as Record<string, unknown>;
  expect(overview.queue).toMatchObject({
    visible: queue.visible,
    inFlight: queue.inFlight,
    deadLettered: queue.deadLettered,
    confirmationDeadLetters: (queue.confirmationDeadLetters as unknown[]).length,
    streamDeadLetters: (queue.streamDeadLetters as unknown[]).length,
  });
  const products = (await get("/products")).body.products as { productId: string; stock: number }[];
  expect(overview.stock.map((p) => [p.productId, p.stock])).toEqual(
    products.map((p) => [p.productId, p.stock]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  expect(overview.executions).toMatchObject({ running: 0 });
  expect(overview.executions.failed).toBeGreaterThanOrEqual(2);
  const alarm = (name: string) => overview.alarms.find((a) => a.alarm === name)?.state;
  // The failed executions above are declines and short stock: the unexpected-failure alarm stays OK.
  expect(alarm("OrderProcessingWorkflowFailureAlarm")).toBe("OK");
  expect(alarm("OrdersDeadLetterQueueNotEmptyAlarm")).toBe("OK");
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  expect(sum(overview.charts.accepted)).toBeGreaterThanOrEqual(4);
  expect(sum(overview.charts.finished)).toBeGreaterThanOrEqual(4);
  expect(overview.charts.p50.some((v) => v !== null && v > 0)).toBe(true);
});

test("the catalog: products with price and stock, the simulated gateway's test cards, sign-in off", async () => {
  const catalog = (await get("/_local/catalog")).body as {
    products: { productId: string; price: number; stock: number }[];
    testCards: { token: string; outcome: string }[];
    signIn: boolean;
  };
  expect(catalog.products.length).toBeGreaterThan(0);
  expect(catalog.products[0]).toEqual(
    expect.objectContaining({ price: expect.any(Number), stock: expect.any(Number) }),
  );
  expect(catalog.testCards.map((c) => c.token)).toEqual(
    expect.arrayContaining([
      "tok_visa",
      "tok_chargeDeclined",
      "tok_insufficientFunds",
      "tok_processingError",
    ]),
  );
  expect(catalog.signIn).toBe(false);
});

test("the workflow graph has every state of the definition the runtime runs", async () => {
  const { graph } = (await get("/_local/workflow")).body as { graph: { nodes: { id: string }[] } };
  expect(graph.nodes.map((n) => n.id).sort()).toEqual(Object.keys(localWorkflowDefinition().States).sort());
});

test("the page and every asset it names are served from the runtime, under a same-origin policy", async () => {
  const page = await fetch(`${t.system.url}/_local/console`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  expect(page.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== "data:,");
  expect(assets.length).toBeGreaterThanOrEqual(4);
  for (const asset of assets) {
    expect(asset).toMatch(/^\/_local\/console\//);
    const response = await fetch(`${t.system.url}${asset}`);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  }
});

test("the page reads only endpoints docs/LOCAL.md or docs/API.md documents", () => {
  const pageDir = join(__dirname, "../../local/console/page");
  const script = readdirSync(pageDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(pageDir, f), "utf8"))
    .join("\n");
  const readme = ["LOCAL.md", "API.md"]
    .map((page) => readFileSync(join(__dirname, "../../docs", page), "utf8"))
    .join("\n");
  const used = [...new Set([...script.matchAll(/["`](\/(?:_local\/[a-z/]+|orders))\b/g)].map((m) => m[1]))];
  expect(used).toEqual(
    expect.arrayContaining(["/_local/orders", "/_local/journey", "/_local/overview", "/orders"]),
  );
  expect(
    used.filter((path) => !readme.includes(`\`GET ${path}`) && !readme.includes(`\`POST ${path}`)),
  ).toEqual([]);
});

test.each([
  ["/_local/orders?status=DELIVERED", "INVALID_QUERY"],
  ["/_local/orders?limit=0", "INVALID_QUERY"],
  [`/_local/orders?limit=${MAX_ORDER_LIMIT + 1}`, "INVALID_QUERY"],
  ["/_local/orders?limit=ten", "INVALID_QUERY"],
  [`/_local/orders?customer=${"x".repeat(255)}`, "INVALID_QUERY"],
  ["/_local/journey", "INVALID_QUERY"],
  ["/_local/journey?orderId=../../etc", "INVALID_QUERY"],
  ["/_local/events?after=-1", "INVALID_LAST_EVENT_ID"],
])("bad input %s → 400 %s with the error body", async (path, code) => {
  const reply = await get(path);
  expect(reply.status).toBe(400);
  expect(reply.body).toEqual({ error: { code, message: expect.any(String), details: null } });
});

test("an unknown order's journey is 404 ORDER_NOT_FOUND", async () => {
  const reply = await get("/_local/journey?orderId=00000000-0000-4000-8000-000000000000");
  expect(reply.status).toBe(404);
  expect(reply.body).toMatchObject({ error: { code: "ORDER_NOT_FOUND" } });
});

test("with sign-in off, the console's endpoints answer a caller on the network (--host)", async () => {
  const reply = await fetch(`http://${nonLoopbackAddress()}:${t.system.port}/_local/overview`);
  expect(reply.status).toBe(200);
});
