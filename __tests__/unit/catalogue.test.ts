/**
 * The catalogue's rules, in-process: what a new product and a change of one must say (each refusal
 * with its own code), a request's key and hash (a retry is recognised, a reused key is not), and the
 * public catalogue's pages (on sale only, by id, an opaque cursor).
 */
import {
  cataloguePage,
  decodeProductCursor,
  encodeProductCursor,
} from "../../lambdas/catalog/catalogue-page";
import type { Product } from "../../lambdas/catalog/product";
import { catalogueRequestOf, newProductOf, productChangesOf } from "../../lambdas/catalog/product-requests";

const refusedWith = (result: unknown) => (result as { refused?: string }).refused;

test.each<[string, unknown, string]>([
  ["not an object", [1], "INVALID_BODY"],
  ["an unknown field", { productId: "A-1", name: "A", price: 1, colour: "red" }, "UNKNOWN_FIELD"],
  ["a missing name", { productId: "A-1", price: 1 }, "INVALID_NAME"],
  ["a name that is not a string", { productId: "A-1", name: 7, price: 1 }, "INVALID_NAME"],
  ["a name of spaces", { productId: "A-1", name: "   ", price: 1 }, "INVALID_NAME"],
  ["a name over 200 characters", { productId: "A-1", name: "n".repeat(201), price: 1 }, "INVALID_NAME"],
  ["a name with a control character", { productId: "A-1", name: "Mug\u001b", price: 1 }, "INVALID_NAME"],
  ["a price of 0", { productId: "A-1", name: "A", price: 0 }, "INVALID_PRICE"],
  ["a negative price", { productId: "A-1", name: "A", price: -1 }, "INVALID_PRICE"],
  ["three decimals", { productId: "A-1", name: "A", price: "1.005" }, "INVALID_PRICE"],
  ["a price that is not a number", { productId: "A-1", name: "A", price: "cheap" }, "INVALID_PRICE"],
  ["a price of true", { productId: "A-1", name: "A", price: true }, "INVALID_PRICE"],
  ["a fractional stock", { productId: "A-1", name: "A", price: 1, stock: 1.5 }, "INVALID_STOCK"],
  ["a negative stock", { productId: "A-1", name: "A", price: 1, stock: -1 }, "INVALID_STOCK"],
  ["a stock given as text", { productId: "A-1", name: "A", price: 1, stock: "3" }, "INVALID_STOCK"],
  ["an id with a space", { productId: "A 1", name: "A", price: 1 }, "INVALID_PRODUCT_ID"],
  ["an id with a slash", { productId: "A/1", name: "A", price: 1 }, "INVALID_PRODUCT_ID"],
  ["an id over 64 characters", { productId: "A".repeat(65), name: "A", price: 1 }, "INVALID_PRODUCT_ID"],
  ["an empty id", { productId: "", name: "A", price: 1 }, "INVALID_PRODUCT_ID"],
])("a new product with %s is refused: %s", (_what, body, code) => {
  expect(refusedWith(newProductOf(body))).toBe(code);
});

test("a new product: trimmed name, price in minor units, stock 0 unless given; ids may hold . _ -", () => {
  expect(newProductOf({ productId: "SKU.2001_b-1", name: "  Travel Mug ", price: "12.50" })).toEqual({
    productId: "SKU.2001_b-1",
    name: "Travel Mug",
    priceMinor: 1250,
    stock: 0,
  });
  expect(newProductOf({ productId: "A", name: "A", price: 19.99, stock: 7 })).toMatchObject({
    priceMinor: 1999,
    stock: 7,
  });
});

test.each<[string, unknown, string]>([
  ["nothing to change", {}, "INVALID_BODY"],
  ["the stock (not changed this way)", { stock: 4 }, "UNKNOWN_FIELD"],
  ["an active that is not a boolean", { active: "no" }, "INVALID_ACTIVE"],
  ["a bad price", { price: 0 }, "INVALID_PRICE"],
  ["a bad name", { name: "" }, "INVALID_NAME"],
])("a change with %s is refused: %s", (_what, body, code) => {
  expect(refusedWith(productChangesOf(body))).toBe(code);
});

test("a change keeps only what it names", () => {
  expect(productChangesOf({ price: "21.00", active: false })).toEqual({ priceMinor: 2100, active: false });
});

test("a request's key names one change of one product; its hash tells a retry from reuse", () => {
  const asked = { priceMinor: 2100 };
  const first = catalogueRequestOf("update", "SKU-1", "key-1", asked);
  expect(catalogueRequestOf("update", "SKU-1", "key-1", { priceMinor: 2100 })).toEqual(first);
  expect(catalogueRequestOf("update", "SKU-1", "key-1", { priceMinor: 2200 }).keyHash).toBe(first.keyHash);
  expect(catalogueRequestOf("update", "SKU-1", "key-1", { priceMinor: 2200 }).requestHash).not.toBe(
    first.requestHash,
  );
  expect(catalogueRequestOf("update", "SKU-2", "key-1", asked).keyHash).not.toBe(first.keyHash);
  expect(first.keyHash).toMatch(/^product#[0-9a-f]{32}$/);
});

const product = (productId: string, active = true): Product => ({
  productId,
  name: productId,
  priceMinor: 100,
  currency: "USD",
  stock: 1,
  active,
});

test("the catalogue's pages: on sale only, by id, each after the last of the one before", () => {
  const all = ["C", "A", "E", "B", "D"].map((id) => product(id, id !== "B"));
  const first = cataloguePage(all, 2);
  expect(first.products.map((p) => p.productId)).toEqual(["A", "C"]);
  const second = cataloguePage(all, 2, decodeProductCursor(first.next!));
  expect(second.products.map((p) => p.productId)).toEqual(["D", "E"]);
  expect(second.next).toBeUndefined();
  expect(cataloguePage(all, 4).next).toBeUndefined();
});

test("a cursor that is not one of this list's is refused", () => {
  expect(decodeProductCursor(encodeProductCursor("SKU-1"))).toBe("SKU-1");
  for (const bad of [
    "",
    "not base64!",
    Buffer.from('{"v":2,"after":"A"}').toString("base64url"),
    "eyJ2IjoxfQ",
  ]) {
    expect(decodeProductCursor(bad)).toBeUndefined();
  }
});

describe("npm start -- --catalog <file>", () => {
  const { mkdtempSync, rmSync, writeFileSync } = jest.requireActual<typeof import("node:fs")>("node:fs");
  const { join } = jest.requireActual<typeof import("node:path")>("node:path");
  const { tmpdir } = jest.requireActual<typeof import("node:os")>("node:os");
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "catalogue-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  test("a catalogue file is read and checked before anything starts", async () => {
    const { parseCommandLine } = await import("../../local/options");
    const good = file(
      "good.json",
      JSON.stringify({
        currency: "EUR",
        products: [{ productId: "MUG.1", name: "Mug", price: 9.5, stock: 3 }],
      }),
    );
    expect(parseCommandLine(["--catalog", good], {})).toMatchObject({
      values: { catalog: { currency: "EUR", products: [{ productId: "MUG.1", stock: 3 }] } },
    });
    expect(parseCommandLine([], { ORDER_SYSTEM_CATALOG: good })).toMatchObject({
      values: { catalog: { currency: "EUR" } },
    });
  });

  test.each([
    ["a missing file", "missing.json", undefined, /--catalog: cannot read .*missing\.json as JSON/],
    ["not JSON", "text.json", "products,price", /cannot read .* as JSON/],
    [
      "a product id with a space",
      "bad-id.json",
      JSON.stringify({ currency: "USD", products: [{ productId: "A B", name: "A", price: 1, stock: 1 }] }),
      /is not a catalogue: products\.0\.productId/,
    ],
    [
      "a negative stock",
      "bad-stock.json",
      JSON.stringify({ currency: "USD", products: [{ productId: "A", name: "A", price: 1, stock: -1 }] }),
      /products\.0\.stock/,
    ],
    ["no products", "empty.json", JSON.stringify({ currency: "USD", products: [] }), /products/],
  ])("%s is a usage error naming the file and the problem", async (_what, name, content, message) => {
    const { parseCommandLine, UsageError } = await import("../../local/options");
    const path = content === undefined ? join(dir, name) : file(name, content);
    expect(() => parseCommandLine(["--catalog", path], {})).toThrow(UsageError);
    expect(() => parseCommandLine(["--catalog", path], {})).toThrow(message);
  });
});
