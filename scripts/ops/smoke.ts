/**
 * The post-deploy smoke test: the catalog answers, a small order with a test card ends CONFIRMED, a
 * declined one ends FAILED. Each step is timed; the result says whether the deployment works end to
 * end. It places real orders (one unit of the first product in stock): run it against test-mode
 * payments only (the simulated gateway, or Stripe with a test key).
 */
import { randomUUID } from "node:crypto";

export interface SmokeOptions {
  /** The API stage's base URL (the `api_url` output, or the local runtime's URL). */
  readonly url: string;
  /** An ID token of a test customer when sign-in is on; without it, orders carry `email`. */
  readonly token?: string;
  readonly email: string;
  /** How long each order may take to end. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly log: (line: string) => void;
}

export interface SmokeStep {
  readonly step: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

interface Product {
  readonly productId: string;
  readonly name: string;
  readonly stock: number;
}

class SmokeFailure extends Error {}

interface Api {
  readonly base: string;
  readonly headers: Record<string, string>;
  readonly token?: string;
  readonly email: string;
}

/** POST /orders for one unit; the new order's id. */
async function placeOrder(api: Api, product: Product, paymentToken: string): Promise<string> {
  const response = await fetch(`${api.base}/orders`, {
    method: "POST",
    headers: { ...api.headers, "Idempotency-Key": randomUUID() },
    body: JSON.stringify({
      ...(api.token ? {} : { customerEmail: api.email }),
      paymentToken,
      items: [{ productId: product.productId, quantity: 1 }],
    }),
  });
  const body = (await response.json()) as { orderId?: string; error?: { code: string; message: string } };
  if (response.status === 401) {
    throw new Error("401: sign-in is on. Give a test customer: --token, or --username and --password.");
  }
  if (response.status !== 202 || !body.orderId) {
    throw new Error(
      `POST /orders answered ${response.status}: ${body.error?.message ?? JSON.stringify(body)}`,
    );
  }
  return body.orderId;
}

/** Polls GET /orders/{id} until the order ends; throws unless it ends as expected in time. */
async function waitForEnd(
  api: Api,
  orderId: string,
  expected: "CONFIRMED" | "FAILED",
  options: Pick<SmokeOptions, "timeoutMs" | "pollMs">,
): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const response = await fetch(`${api.base}/orders/${orderId}`, { headers: api.headers });
    const order = (await response.json()) as { status?: string; failureReason?: string };
    last = order.status ?? `HTTP ${response.status}`;
    if (last === "CONFIRMED" || last === "FAILED") {
      const reason = order.failureReason ? ` (${order.failureReason})` : "";
      if (last !== expected) throw new Error(`order ${orderId} ended ${last}, expected ${expected}${reason}`);
      return `order ${orderId} ${last}${reason}`;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
  throw new Error(`order ${orderId} still ${last} after ${options.timeoutMs / 1000} s, expected ${expected}`);
}

export async function smokeTest(options: SmokeOptions): Promise<{ ok: boolean; steps: SmokeStep[] }> {
  const base = options.url.replace(/\/$/, "");
  const steps: SmokeStep[] = [];
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ...(options.token ? { Authorization: options.token } : {}),
  };
  const timed = async (step: string, run: () => Promise<string>): Promise<void> => {
    const started = performance.now();
    let ok = true;
    let detail: string;
    try {
      detail = await run();
    } catch (error) {
      ok = false;
      detail = error instanceof Error ? error.message : String(error);
    }
    const ms = Math.round(performance.now() - started);
    steps.push({ step, ok, ms, detail });
    options.log(`${ok ? "ok  " : "FAIL"} ${step.padEnd(28)} ${`${ms} ms`.padStart(9)}  ${detail}`);
    if (!ok) throw new SmokeFailure(detail);
  };

  let product: Product | undefined;
  const api: Api = { base, headers, token: options.token, email: options.email };
  const place = (paymentToken: string) => placeOrder(api, product!, paymentToken);
  const until = (orderId: string, expected: "CONFIRMED" | "FAILED") =>
    waitForEnd(api, orderId, expected, options);

  try {
    await timed("GET /products", async () => {
      const response = await fetch(`${base}/products`);
      if (!response.ok) throw new Error(`GET /products answered ${response.status}`);
      const { products } = (await response.json()) as { products: Product[] };
      product = products.find((p) => p.stock >= 2);
      if (!product) throw new Error("no product has 2 units in stock to test with");
      return `${products.length} products; testing with ${product.productId} (${product.name})`;
    });
    let confirmed = "";
    await timed("POST /orders (tok_visa)", async () => {
      confirmed = await place("tok_visa");
      return `order ${confirmed} accepted`;
    });
    await timed("… until CONFIRMED", () => until(confirmed, "CONFIRMED"));
    let declined = "";
    await timed("POST /orders (declined card)", async () => {
      declined = await place("tok_chargeDeclined");
      return `order ${declined} accepted`;
    });
    await timed("… until FAILED", () => until(declined, "FAILED"));
    return { ok: true, steps };
  } catch (error) {
    if (error instanceof SmokeFailure) return { ok: false, steps };
    throw error;
  }
}
