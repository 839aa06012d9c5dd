/**
 * Staff manage the catalogue, end to end on the local runtime (CatalogAdmin behind the API, local
 * IAM enforcing its synthesized role): a product created, bought, repriced for the next order only,
 * taken off sale (no longer listed or orderable: its order fails as ProductUnavailable, stock
 * untouched), each write once per Idempotency-Key; the public catalogue a page at a time.
 */
import { randomUUID } from "node:crypto";
import bundledCatalogue from "../../lambdas/catalog/catalog.json";
import type { CapturedEmail } from "../../local/ses/email";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

let t: TestSystem;
let staff: string;
/** The bundled catalogue and one product more: the system started as `npm start -- --catalog <file>`. */
const CATALOGUE = {
  ...bundledCatalogue,
  products: [
    ...bundledCatalogue.products,
    { productId: "LOCAL.MUG-1", name: "Local Mug", price: 7.25, stock: 9 },
  ],
};

beforeAll(async () => {
  t = await startTestSystem({ catalog: CATALOGUE });
  const answer = await fetch(`${t.system.url}/_local/token`, {
    method: "POST",
    headers: { Accept: "text/plain" },
    body: JSON.stringify({ email: "catalogue@shop.example.com", groups: ["staff"] }),
  });
  staff = await answer.text();
});
afterAll(() => t?.stop());

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(method: string, path: string, token: string | undefined, body?: unknown, key?: string) {
  const answer = await fetch(`${t.system.url}${path}`, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: token } : {}),
      ...(key ? { "Idempotency-Key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: answer.status,
    headers: answer.headers,
    body: (await answer.json()) as Record<string, unknown>,
  };
}

const codeOf = (answer: Answer) => (answer.body.error as { code: string } | undefined)?.code;

async function finalOrder(productId: string, quantity = 1) {
  const placed = await t.placeOrder(
    { paymentToken: "tok_visa", items: [{ productId, quantity }] },
    `k-${randomUUID()}`,
  );
  expect(placed.status).toBe(202);
  return t.waitForFinalStatus(String(placed.body.orderId));
}

test("staff create a product once per key; customers buy it; a new price applies to the next order only", async () => {
  const productId = `SKU.NEW-${randomUUID().slice(0, 6)}`;
  const body = { productId, name: "Travel Mug", price: "12.50", stock: 5 };
  const key = `create-${randomUUID()}`;
  const created = await call("POST", "/products", staff, body, key);
  expect(created.status).toBe(201);
  expect(created.body.product).toEqual({
    productId,
    name: "Travel Mug",
    price: 12.5,
    currency: "USD",
    stock: 5,
    available: true,
    active: true,
  });
  const again = await call("POST", "/products", staff, body, key);
  expect([again.status, again.headers.get("Idempotent-Replayed"), again.body]).toEqual([
    201,
    "true",
    created.body,
  ]);
  expect(codeOf(await call("POST", "/products", staff, { ...body, price: "13.00" }, key))).toBe(
    "IDEMPOTENCY_KEY_REUSED",
  );
  const duplicate = await call("POST", "/products", staff, body, `create-${randomUUID()}`);
  expect([duplicate.status, codeOf(duplicate)]).toEqual([409, "PRODUCT_EXISTS"]);
  expect((await call("GET", `/products/${productId}`, undefined)).body).toMatchObject({
    price: 12.5,
    stock: 5,
  });

  const first = await finalOrder(productId, 2);
  expect(first).toMatchObject({ status: "CONFIRMED", total: 25 });
  const repriced = await call(
    "PATCH",
    `/products/${productId}`,
    staff,
    { price: "15.00" },
    `price-${randomUUID()}`,
  );
  expect([repriced.status, repriced.body.product]).toEqual([
    200,
    expect.objectContaining({ price: 15, stock: 3 }),
  ]);
  expect(await finalOrder(productId)).toMatchObject({ status: "CONFIRMED", total: 15 });
  // The order priced before the change keeps its price and total.
  expect((await t.getOrder(String(first.orderId))).body).toMatchObject({
    total: 25,
    items: [expect.objectContaining({ unitPrice: 12.5, quantity: 2 })],
  });
});

test("a product taken off sale is neither listed nor orderable: its order fails as ProductUnavailable, stock untouched", async () => {
  const productId = `SKU-OFF-${randomUUID().slice(0, 6)}`;
  expect(
    (await call("POST", "/products", staff, { productId, name: "Old Mug", price: 9, stock: 4 }, randomUUID()))
      .status,
  ).toBe(201);
  const off = await call("PATCH", `/products/${productId}`, staff, { active: false }, randomUUID());
  expect(off.body.product).toMatchObject({ active: false, available: false, stock: 4 });
  expect(codeOf(await call("GET", `/products/${productId}`, undefined))).toBe("PRODUCT_NOT_FOUND");
  const listed = await call("GET", "/products?limit=100", undefined);
  expect((listed.body.products as { productId: string }[]).map((p) => p.productId)).not.toContain(productId);

  const order = await finalOrder(productId);
  expect(order).toMatchObject({ status: "FAILED", failureCode: "ProductUnavailable" });
  await t.system.settled();
  expect((await t.orderRecord(String(order.orderId)))?.failureEmail?.status).toBe("SENT");
  const emails = (await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] };
  expect(emails.emails.find((e) => e.subject.includes(String(order.orderId)))?.text).toContain(
    "no longer on sale",
  );
  // A business outcome: nothing pages the operators.
  const notifications = await (await fetch(`${t.system.url}/_local/notifications`)).text();
  expect(notifications).not.toContain(`CriticalAlertsTopic","subject":"Order ${String(order.orderId)}`);

  // Back on sale, it is listed and sells again, from the stock it kept.
  await call("PATCH", `/products/${productId}`, staff, { active: true }, randomUUID());
  expect((await call("GET", `/products/${productId}`, undefined)).body).toMatchObject({
    stock: 4,
    available: true,
  });
});

test("two changes of one product at once are both kept", async () => {
  const productId = `SKU-RACE-${randomUUID().slice(0, 6)}`;
  await call("POST", "/products", staff, { productId, name: "Cup", price: 5 }, randomUUID());
  const answers = await Promise.all([
    call("PATCH", `/products/${productId}`, staff, { name: "Tea Cup" }, randomUUID()),
    call("PATCH", `/products/${productId}`, staff, { price: "6.50" }, randomUUID()),
  ]);
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  expect((await call("GET", `/products/${productId}`, undefined)).body).toMatchObject({
    name: "Tea Cup",
    price: 6.5,
  });
});

test("staff only, with a key; bad input gets its own 400 and changes nothing; an unknown product is 404", async () => {
  const productId = `SKU-BAD-${randomUUID().slice(0, 6)}`;
  const body = { productId, name: "Bad", price: 1 };
  const asCustomer = await call("POST", "/products", t.token, body, randomUUID());
  expect([asCustomer.status, codeOf(asCustomer)]).toEqual([403, "STAFF_ONLY"]);
  expect((await call("POST", "/products", undefined, body, randomUUID())).status).toBe(401);
  expect(codeOf(await call("POST", "/products", staff, body))).toBe("IDEMPOTENCY_KEY_REQUIRED");
  for (const [bad, code] of [
    [{ ...body, price: 0 }, "INVALID_PRICE"],
    [{ ...body, price: "1.001" }, "INVALID_PRICE"],
    [{ ...body, name: "x".repeat(201) }, "INVALID_NAME"],
    [{ ...body, productId: "has space" }, "INVALID_PRODUCT_ID"],
    [{ ...body, stock: 1.5 }, "INVALID_STOCK"],
    [{ ...body, colour: "red" }, "UNKNOWN_FIELD"],
  ] as const) {
    const answer = await call("POST", "/products", staff, bad, randomUUID());
    expect([answer.status, codeOf(answer)]).toEqual([400, code]);
  }
  expect(codeOf(await call("GET", `/products/${productId}`, undefined))).toBe("PRODUCT_NOT_FOUND");
  const patched = await call("PATCH", `/products/${productId}`, staff, { price: 2 }, randomUUID());
  expect([patched.status, codeOf(patched)]).toEqual([404, "PRODUCT_NOT_FOUND"]);
  expect(codeOf(await call("PATCH", "/products/SKU-1001", staff, { active: "no" }, randomUUID()))).toBe(
    "INVALID_ACTIVE",
  );
});

test("the public catalogue a page at a time: every product on sale once, by id; bad limits and cursors are 400", async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Answer = await call(
      "GET",
      `/products?limit=5${cursor ? `&cursor=${cursor}` : ""}`,
      undefined,
    );
    expect(page.status).toBe(200);
    const products = page.body.products as { productId: string; available: boolean }[];
    expect(products.length).toBeLessThanOrEqual(5);
    seen.push(...products.map((p) => p.productId));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  expect(seen).toEqual([...seen].sort());
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual(expect.arrayContaining(["SKU-1001", "SKU-1012"]));
  expect(codeOf(await call("GET", "/products?limit=0", undefined))).toBe("INVALID_LIMIT");
  expect(codeOf(await call("GET", "/products?limit=101", undefined))).toBe("INVALID_LIMIT");
  expect(codeOf(await call("GET", "/products?cursor=nope!", undefined))).toBe("INVALID_CURSOR");
  expect(codeOf(await call("GET", "/products?sort=name", undefined))).toBe("UNKNOWN_PARAMETER");
});

test("started with another catalogue (--catalog): its products are seeded, and sell", async () => {
  expect((await call("GET", "/products/LOCAL.MUG-1", undefined)).body).toMatchObject({
    name: "Local Mug",
    price: 7.25,
    stock: 9,
    available: true,
  });
  expect(await finalOrder("LOCAL.MUG-1", 2)).toMatchObject({ status: "CONFIRMED", total: 14.5 });
  expect(await t.stockOf("LOCAL.MUG-1")).toBe(7);
});
