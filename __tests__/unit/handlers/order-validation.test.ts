/** The POST /orders contract: every malformed request is a 400 (or 415) with its own error code. */
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../lambdas/order-placement/handler";
import { apiEvent, context, validOrder } from "../../support/events";

const dynamo = mockClient(DynamoDBDocumentClient);

const item = (productId: unknown, quantity: unknown) => ({ productId, quantity });
const withItems = (items: unknown) => JSON.stringify({ ...validOrder, items });
const without = (field: string) => {
  const copy: Record<string, unknown> = { ...validOrder };
  delete copy[field];
  return JSON.stringify(copy);
};
const manyItems = Array.from({ length: 50 }, (_, i) => item(`SKU-${i}`, 1));

const rows: [string, string | null, string, Record<string, string>?][] = [
  ["no body", null, "MISSING_BODY"],
  ["an empty body", "", "MISSING_BODY"],
  ["whitespace only", "   ", "MISSING_BODY"],
  ["malformed JSON", '{"customerEmail":', "INVALID_JSON"],
  ["a JSON array", "[]", "INVALID_BODY"],
  ["a JSON string", '"order"', "INVALID_BODY"],
  ["JSON null", "null", "INVALID_BODY"],
  ["a body over 16 KB", JSON.stringify({ ...validOrder, pad: "x".repeat(17_000) }), "BODY_TOO_LARGE"],
  // A missing customerEmail is fine for a signed-in customer; with api_auth = none it is a 400 (customer-orders.test.ts).
  ["missing items", without("items"), "MISSING_FIELD"],
  ["missing paymentToken", without("paymentToken"), "MISSING_FIELD"],
  ["a numeric customerEmail", JSON.stringify({ ...validOrder, customerEmail: 42 }), "INVALID_TYPE"],
  ["a bad e-mail", JSON.stringify({ ...validOrder, customerEmail: "not-an-email" }), "INVALID_EMAIL"],
  ["an e-mail without a domain", JSON.stringify({ ...validOrder, customerEmail: "a@" }), "INVALID_EMAIL"],
  ["items as an object", withItems({ productId: "SKU-1001", quantity: 1 }), "INVALID_TYPE"],
  ["empty items", withItems([]), "EMPTY_ITEMS"],
  ["50 distinct products", withItems(manyItems), "TOO_MANY_ITEMS"],
  ["quantity 0", withItems([item("SKU-1001", 0)]), "INVALID_QUANTITY"],
  ["a negative quantity", withItems([item("SKU-1001", -3)]), "INVALID_QUANTITY"],
  ["a fractional quantity", withItems([item("SKU-1001", 1.5)]), "INVALID_QUANTITY"],
  ["a quantity over 100", withItems([item("SKU-1001", 101)]), "INVALID_QUANTITY"],
  ["a quantity as a string", withItems([item("SKU-1001", "2")]), "INVALID_TYPE"],
  ["a missing quantity", withItems([{ productId: "SKU-1001" }]), "MISSING_FIELD"],
  ["a missing productId", withItems([{ quantity: 1 }]), "MISSING_FIELD"],
  ["an empty productId", withItems([item("", 1)]), "INVALID_PRODUCT_ID"],
  ["a productId with spaces", withItems([item("SKU 1001", 1)]), "INVALID_PRODUCT_ID"],
  ["a numeric productId", withItems([item(1001, 1)]), "INVALID_TYPE"],
  ["a duplicate productId", withItems([item("SKU-1001", 1), item("SKU-1001", 2)]), "DUPLICATE_PRODUCT"],
  ["an unknown field on an item", withItems([{ ...item("SKU-1001", 1), price: 0.01 }]), "UNKNOWN_FIELD"],
  ["an unknown top-level field", JSON.stringify({ ...validOrder, discount: 100 }), "UNKNOWN_FIELD"],
  [
    "a raw card number as token",
    JSON.stringify({ ...validOrder, paymentToken: "4242424242424242" }),
    "INVALID_PAYMENT_TOKEN",
  ],
  ["an empty payment token", JSON.stringify({ ...validOrder, paymentToken: "" }), "INVALID_PAYMENT_TOKEN"],
  [
    "an over-long Idempotency-Key",
    JSON.stringify(validOrder),
    "INVALID_IDEMPOTENCY_KEY",
    { "Idempotency-Key": "k".repeat(129) },
  ],
  [
    "an Idempotency-Key with spaces",
    JSON.stringify(validOrder),
    "INVALID_IDEMPOTENCY_KEY",
    { "Idempotency-Key": "a key" },
  ],
];

// [name, expected code, body, headers]: the code goes in the test's title.
const cases = rows.map(([name, body, code, headers]) => [name, code, body, headers ?? {}] as const);

beforeEach(() => {
  dynamo.reset();
});

test.each(cases)("%s → 400 %s", async (_, code, body, headers) => {
  const response = await handler(
    apiEvent({ body, headers: { "Content-Type": "application/json", ...headers } }),
    context,
  );
  expect(response.statusCode).toBe(400);
  const payload = JSON.parse(response.body);
  expect(Object.keys(payload)).toEqual(["error"]);
  expect(Object.keys(payload.error).sort()).toEqual(["code", "details", "message"]);
  expect(payload.error.code).toBe(code);
  // details: null, or the field-level issues, each naming what is wrong.
  if (payload.error.details !== null) {
    expect(payload.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]),
    );
  }
  expect(payload.error.message.length).toBeGreaterThan(5);
  // Nothing is written (so nothing is queued) for a rejected request.
  expect(dynamo.calls()).toHaveLength(0);
});

test("a body that is not JSON by Content-Type is a 415", async () => {
  const response = await handler(
    apiEvent({ body: "customerEmail=a", headers: { "Content-Type": "text/plain" } }),
    context,
  );
  expect(response.statusCode).toBe(415);
  expect(JSON.parse(response.body).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
});

test("every problem is listed in details, each with its path and code", async () => {
  const response = await handler(
    apiEvent({
      body: JSON.stringify({ customerEmail: "x", items: [item("SKU-1", 0)], paymentToken: "bad" }),
    }),
    context,
  );
  const { details } = JSON.parse(response.body).error;
  expect(details).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: "customerEmail", code: "INVALID_EMAIL" }),
      expect.objectContaining({ path: "items.0.quantity", code: "INVALID_QUANTITY" }),
      expect.objectContaining({ path: "paymentToken", code: "INVALID_PAYMENT_TOKEN" }),
    ]),
  );
});
