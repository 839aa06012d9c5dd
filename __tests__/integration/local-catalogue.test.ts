/**
 * Staff manage the catalogue, end to end on the local runtime (CatalogAdmin behind the API, local
 * IAM enforcing its synthesized role): a product created, bought, repriced for the next order only,
 * taken off sale (no longer listed or orderable: its order fails as ProductUnavailable, stock
 * untouched), each write once per Idempotency-Key; the public catalogue a page at a time.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import bundledCatalogue from "../../lambdas/catalog/catalog.json";
import type { CapturedEmail } from "../../local/ses/email";
import { apiCall, codeOf, localStaffToken, type ApiAnswer } from "../support/local-api";
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
  staff = await localStaffToken(t.system.url, "catalogue@shop.example.com");
});
afterAll(() => t?.stop());

const call = (method: string, path: string, token: string | undefined, body?: unknown, key?: string) =>
  apiCall(t.system.url, method, path, token, body, key);

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
    lowStockThreshold: 5,
    lowStock: true,
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
    const page: ApiAnswer = await call(
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

/** `npm run import-catalog -- …` as an operator runs it. */
function importCatalog(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/import-catalog.ts", ...args], {
    cwd: resolve(__dirname, "../.."),
    stdio: "pipe",
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once("exit", (code) => done({ code, output })));
}

describe("npm run import-catalog", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "import-catalog-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const run = (path: string) => importCatalog(["--file", path, "--url", t.system.url, "--token", staff]);

  test("a CSV creates what is missing and reprices what differs; run again, it changes nothing and says so", async () => {
    const suffix = randomUUID().slice(0, 6);
    const [a, b] = [`IMP-A-${suffix}`, `IMP-B-${suffix}`];
    const csv = file(
      `products-${suffix}.csv`,
      `productId,name,price,stock\n${a},"Mug, large",12.50,10\n${b},Tea Towel,4.00,\nSKU-1001,Classic Cotton T-Shirt,19.99,250\n`,
    );
    const first = await run(csv);
    expect(first.code).toBe(0);
    expect(first.output).toContain("2 created, 0 updated, 0 adjusted, 1 unchanged, 0 failed.");
    expect((await call("GET", `/products/${a}`, undefined)).body).toMatchObject({
      name: "Mug, large",
      price: 12.5,
      stock: 10,
    });
    expect((await call("GET", `/products/${b}`, undefined)).body).toMatchObject({ stock: 0 });

    const again = await run(csv);
    expect(again.code).toBe(0);
    expect(again.output).toContain("Nothing to change: all 3 products are as in the file.");

    // A new price, and a product off sale renamed: updated (the off-sale one stays off sale).
    await call("PATCH", `/products/${b}`, staff, { active: false }, randomUUID());
    const json = file(
      `products-${suffix}.json`,
      JSON.stringify({
        products: [
          { productId: a, name: "Mug, large", price: 13, stock: 10 },
          { productId: b, name: "Linen Towel", price: 4, stock: 0 },
        ],
      }),
    );
    const changed = await run(json);
    expect(changed.code).toBe(0);
    expect(changed.output).toContain("0 created, 2 updated, 0 adjusted, 0 unchanged, 0 failed.");
    expect((await call("GET", `/products/${a}`, undefined)).body).toMatchObject({ price: 13 });
    expect((await run(json)).output).toContain("Nothing to change");
  });

  test("--set-stock brings each product's stock to the file's with a correction adjustment; run again, nothing", async () => {
    const suffix = randomUUID().slice(0, 6);
    const [a, b] = [`SET-A-${suffix}`, `SET-B-${suffix}`];
    const csv = (stockA: number) =>
      file(
        `stock-${suffix}-${stockA}.csv`,
        `productId,name,price,stock\n${a},Jar,3.00,${stockA}\n${b},Lid,1.00,\n`,
      );
    const setStock = (path: string) =>
      importCatalog(["--file", path, "--url", t.system.url, "--token", staff, "--set-stock"]);
    expect((await setStock(csv(10))).output).toContain(
      "2 created, 0 updated, 0 adjusted, 0 unchanged, 0 failed.",
    );
    expect(await finalOrder(a, 3)).toMatchObject({ status: "CONFIRMED" });
    // Sold 3: the file says 12, so +5; the row without a stock leaves the stock alone.
    const corrected = await setStock(csv(12));
    expect(corrected.code).toBe(0);
    expect(corrected.output).toContain(`adjusted  ${a}: stock 7 → 12 (+5)`);
    expect(corrected.output).toContain("0 created, 0 updated, 1 adjusted, 1 unchanged, 0 failed.");
    expect(await t.stockOf(a)).toBe(12);
    const movements = await call("GET", `/products/${a}/stock-movements`, staff);
    expect((movements.body.movements as Record<string, unknown>[])[0]).toMatchObject({
      kind: "adjustment",
      reason: "correction",
      delta: 5,
      stockAfter: 12,
      note: expect.stringContaining(`stock-${suffix}-12.csv`),
    });
    expect((await setStock(csv(12))).output).toContain(
      "Nothing to change: all 2 products are as in the file.",
    );
    expect(await t.stockOf(a)).toBe(12);
  });

  test("a file with bad rows is refused whole: every problem with its line, nothing written, exit 2", async () => {
    const suffix = randomUUID().slice(0, 6);
    const csv = file(
      `bad-${suffix}.csv`,
      `productId,name,price,stock\nGOOD-${suffix},Fine,1.00,1\nBAD ID,Broken,1.00,1\nCHEAP-${suffix},Cheap,0,1\nGOOD-${suffix},Twice,1.00,1\n`,
    );
    const refused = await run(csv);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain("nothing was changed");
    expect(refused.output).toContain("line 3: INVALID_PRODUCT_ID");
    expect(refused.output).toContain("line 4: INVALID_PRICE");
    expect(refused.output).toMatch(/line 5: GOOD-\w+ is also at line 2/);
    expect(codeOf(await call("GET", `/products/GOOD-${suffix}`, undefined))).toBe("PRODUCT_NOT_FOUND");
    const usage = await importCatalog(["--file", csv, "--url", t.system.url]);
    expect([usage.code, usage.output]).toEqual([2, expect.stringContaining("Give --token")]);
  });
});
