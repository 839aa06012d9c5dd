/**
 * The shelf's stock, end to end on the local runtime (CatalogAdmin and the workflow behind the API,
 * local IAM enforcing their synthesized roles): staff adjust stock with a reason, every change is a
 * movement with the stock after it, the movements add up to the stock under a race of orders and
 * adjustments, low stock is told once per crossing, and bad requests change nothing.
 */
import { randomUUID } from "node:crypto";
import { apiCall, codeOf, localStaffToken } from "../support/local-api";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(120_000);

let t: TestSystem;
let staff: string;

beforeAll(async () => {
  t = await startTestSystem({ lowStockThreshold: 3 });
  staff = await localStaffToken(t.system.url, "stock@shop.example.com");
});
afterAll(() => t?.stop());

const call = (method: string, path: string, token: string | undefined, body?: unknown, key?: string) =>
  apiCall(t.system.url, method, path, token, body, key);

interface Movement {
  readonly seq: number;
  readonly kind: string;
  readonly delta: number;
  readonly stockAfter: number;
  readonly orderId?: string;
  readonly reason?: string;
  readonly by?: string;
  readonly lowStock?: boolean;
}

async function newProduct(fields: Record<string, unknown> = {}): Promise<string> {
  const productId = `STOCK-${randomUUID().slice(0, 8)}`;
  const created = await call(
    "POST",
    "/products",
    staff,
    { productId, name: "Stock Test", price: "4.00", ...fields },
    randomUUID(),
  );
  expect(created.status).toBe(201);
  return productId;
}

const adjust = (productId: string, body: Record<string, unknown>, key = randomUUID()) =>
  call("POST", `/products/${productId}/stock-adjustments`, staff, body, key);

/** Every movement of a product, newest first, read a page of `limit` at a time. */
async function allMovements(productId: string, limit = 7): Promise<Movement[]> {
  const movements: Movement[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await call("GET", `/products/${productId}/stock-movements${query}`, staff);
    expect(page.status).toBe(200);
    movements.push(...(page.body.movements as Movement[]));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  return movements;
}

/** The movements add up: each one's stock after is the one before plus its delta, from seq 1. */
function expectLedger(movements: readonly Movement[], stock: number): void {
  const oldestFirst = [...movements].reverse();
  expect(oldestFirst.map((m) => m.seq)).toEqual(oldestFirst.map((_, i) => i + 1));
  let running = 0;
  for (const movement of oldestFirst) {
    running += movement.delta;
    expect(movement.stockAfter).toBe(running);
  }
  expect(running).toBe(stock);
}

async function buy(productId: string, quantity = 1) {
  const placed = await t.placeOrder(
    { paymentToken: "tok_visa", items: [{ productId, quantity }] },
    randomUUID(),
  );
  expect(placed.status).toBe(202);
  return t.waitForFinalStatus(String(placed.body.orderId), 60_000);
}

const lowStockMessages = (productId: string) =>
  t.system.notifications
    .list()
    .filter((n) => n.topic === "OrderAlertsTopic" && n.subject.includes(productId));

test("staff restock with a reason; sales, cancellations and adjustments are movements that add up to the stock", async () => {
  const productId = await newProduct({ stock: 10 });
  const key = randomUUID();
  const restock = await adjust(productId, { delta: 15, reason: "received", note: "PO 1182" }, key);
  expect(restock.status).toBe(201);
  expect(restock.body.adjustment).toMatchObject({
    kind: "adjustment",
    delta: 15,
    reason: "received",
    note: "PO 1182",
    by: expect.any(String),
    stockAfter: 25,
    adjustmentId: expect.any(String),
    at: expect.any(String),
  });
  expect(restock.body.product).toMatchObject({ productId, stock: 25, lowStockThreshold: 3, lowStock: false });
  // The same key and body: the first answer again, applied once; another body: refused.
  const again = await adjust(productId, { delta: 15, reason: "received", note: "PO 1182" }, key);
  expect([again.status, again.headers.get("Idempotent-Replayed"), again.body]).toEqual([
    201,
    "true",
    restock.body,
  ]);
  expect(codeOf(await adjust(productId, { delta: 16, reason: "received" }, key))).toBe(
    "IDEMPOTENCY_KEY_REUSED",
  );

  const sold = await buy(productId, 2);
  expect(sold.status).toBe("CONFIRMED");
  const cancelled = await call("POST", `/orders/${String(sold.orderId)}/cancel`, t.token, {}, randomUUID());
  expect(cancelled.status).toBe(200);
  const damaged = await adjust(productId, { delta: -4, reason: "damaged" });
  expect(damaged.body.adjustment).toMatchObject({ delta: -4, stockAfter: 21 });

  const movements = await allMovements(productId, 2);
  expect(movements.map((m) => [m.kind, m.delta, m.stockAfter])).toEqual([
    ["adjustment", -4, 21],
    ["release", 2, 25],
    ["sale", -2, 23],
    ["adjustment", 15, 25],
    ["adjustment", 10, 10],
  ]);
  expect(movements[1].orderId).toBe(sold.orderId);
  expect(movements[4]).toMatchObject({ reason: "received", by: expect.any(String) });
  expectLedger(movements, 21);
  expect(await t.stockOf(productId)).toBe(21);
});

test("stock never goes below zero: 409 STOCK_WOULD_GO_NEGATIVE, nothing written", async () => {
  const productId = await newProduct({ stock: 2 });
  const refused = await adjust(productId, { delta: -3, reason: "lost" });
  expect([refused.status, codeOf(refused)]).toEqual([409, "STOCK_WOULD_GO_NEGATIVE"]);
  expect(await t.stockOf(productId)).toBe(2);
  expect(await allMovements(productId)).toHaveLength(1);
});

test("bad adjustments are 400s with codes of their own; customers get 403; an unknown product 404", async () => {
  const productId = await newProduct({ stock: 5 });
  const refusals: [Record<string, unknown>, string][] = [
    [{ delta: 0, reason: "received" }, "INVALID_DELTA"],
    [{ delta: 1.5, reason: "received" }, "INVALID_DELTA"],
    [{ delta: "3", reason: "received" }, "INVALID_DELTA"],
    [{ delta: 1, reason: "found" }, "INVALID_REASON"],
    [{ delta: 1, reason: "received", colour: "red" }, "UNKNOWN_FIELD"],
    [{ delta: 1, reason: "received", note: "two\nlines" }, "INVALID_NOTE"],
  ];
  for (const [body, code] of refusals) {
    const answer = await adjust(productId, body);
    expect([answer.status, codeOf(answer), body]).toEqual([400, code, body]);
  }
  const threshold = await call(
    "PATCH",
    `/products/${productId}`,
    staff,
    { lowStockThreshold: -1 },
    randomUUID(),
  );
  expect([threshold.status, codeOf(threshold)]).toEqual([400, "INVALID_THRESHOLD"]);
  const customer = await call(
    "POST",
    `/products/${productId}/stock-adjustments`,
    t.token,
    { delta: 1, reason: "received" },
    randomUUID(),
  );
  expect([customer.status, codeOf(customer)]).toEqual([403, "STAFF_ONLY"]);
  const customerReads = await call("GET", `/products/${productId}/stock-movements`, t.token);
  expect([customerReads.status, codeOf(customerReads)]).toEqual([403, "STAFF_ONLY"]);
  const unknown = await adjust("NO-SUCH-PRODUCT", { delta: 1, reason: "received" });
  expect([unknown.status, codeOf(unknown)]).toEqual([404, "PRODUCT_NOT_FOUND"]);
  const badCursor = await call("GET", `/products/${productId}/stock-movements?cursor=abc`, staff);
  expect([badCursor.status, codeOf(badCursor)]).toEqual([400, "INVALID_CURSOR"]);
  const badLimit = await call("GET", `/products/${productId}/stock-movements?limit=0`, staff);
  expect([badLimit.status, codeOf(badLimit)]).toEqual([400, "INVALID_LIMIT"]);
  expect(await t.stockOf(productId)).toBe(5);
  expect(await allMovements(productId)).toHaveLength(1);
});

test("low stock is told once per crossing (the deployment's threshold, then the product's own); a restock re-arms it", async () => {
  const productId = await newProduct({ stock: 6 });
  await buy(productId, 2); // 4: above the threshold (3)
  expect(lowStockMessages(productId)).toHaveLength(0);
  await buy(productId); // 3: crossed
  await buy(productId); // 2: still low, no second message
  expect(lowStockMessages(productId)).toHaveLength(1);
  expect(lowStockMessages(productId)[0]).toMatchObject({
    subject: `Low stock: ${productId} has 3 left`,
    message: expect.stringContaining("3 left, threshold 3"),
  });
  await adjust(productId, { delta: 10, reason: "received" }); // 12: re-armed
  const own = await call("PATCH", `/products/${productId}`, staff, { lowStockThreshold: 10 }, randomUUID());
  expect(own.body.product).toMatchObject({ lowStockThreshold: 10, lowStock: false });
  await adjust(productId, { delta: -2, reason: "damaged" }); // 10: crossed its own threshold
  expect(lowStockMessages(productId)).toHaveLength(2);
  expect(lowStockMessages(productId)[1].message).toContain("10 left, threshold 10");
  const movements = await allMovements(productId);
  expect(movements.filter((m) => m.lowStock).map((m) => [m.kind, m.stockAfter])).toEqual([
    ["adjustment", 10],
    ["sale", 3],
  ]);
});

test("50 one-unit orders racing 10 adjustments lose nothing: stock = initial + adjustments − confirmed units, and the movements add up", async () => {
  const initial = 30;
  const productId = await newProduct({ stock: initial, lowStockThreshold: 0 });
  const deltas = [5, -2, 3, 4, -1, 6, 2, -3, 1, 5];
  const [orders, adjustments] = await Promise.all([
    Promise.all(Array.from({ length: 50 }, () => buy(productId))),
    Promise.all(
      deltas.map((delta) => adjust(productId, { delta, reason: delta > 0 ? "received" : "damaged" })),
    ),
  ]);
  // A write-off that finds the orders took the stock first is refused whole; every other applies.
  const applied = deltas.filter((delta, i) => {
    const answer = adjustments[i];
    if (answer.status === 201) return true;
    expect([delta < 0, answer.status, codeOf(answer)]).toEqual([true, 409, "STOCK_WOULD_GO_NEGATIVE"]);
    return false;
  });
  const confirmed = orders.filter((o) => o.status === "CONFIRMED").length;
  // An order that finds no stock fails as a business outcome: at validation, or at its reservation.
  const failures = orders.filter((o) => o.status !== "CONFIRMED").map((o) => [o.status, o.failureCode]);
  for (const failure of failures) {
    expect([
      ["FAILED", "InsufficientStock"],
      ["FAILED", "OutOfStock"],
    ]).toContainEqual(failure);
  }
  const stock = initial + applied.reduce((a, b) => a + b, 0) - confirmed;
  expect(await t.stockOf(productId)).toBe(stock);
  const movements = await allMovements(productId, 25);
  expect(movements.filter((m) => m.kind === "sale")).toHaveLength(confirmed);
  expect(movements.filter((m) => m.kind === "adjustment")).toHaveLength(applied.length + 1);
  expectLedger(movements, stock);
});
