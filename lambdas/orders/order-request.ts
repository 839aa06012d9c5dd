// zod/mini: the same validation as classic zod, tree-shakable, so the API bundle stays small.
import * as z from "zod/mini";
import type { ApiErrorCode } from "../platform/api-errors";

/** Limits of the POST /orders contract; the API Gateway model is generated from the same schema. */
export const ORDER_LIMITS = {
  maxBodyBytes: 16 * 1024,
  // One transaction takes an order's stock: per product its change and its movement, and the
  // order's marker: at most DynamoDB's 100 writes.
  maxDistinctProducts: 49,
  maxQuantity: 100,
  maxIdempotencyKeyLength: 128,
} as const;

/** A product id: 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A card token (tok_…) or a payment method (pm_…): never a card number. */
const PAYMENT_TOKEN_PATTERN = /^(tok|pm)_[A-Za-z0-9_]+$/;

export const orderLineSchema = z.strictObject({
  productId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(PRODUCT_ID_PATTERN)),
  quantity: z.int().check(z.gte(1), z.lte(ORDER_LIMITS.maxQuantity)),
});

export const placeOrderSchema = z.strictObject({
  /** Optional for a signed-in customer (their verified e-mail is used); required with api_auth = none. */
  customerEmail: z.optional(z.email().check(z.maxLength(254))),
  items: z.array(orderLineSchema).check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxDistinctProducts)),
  paymentToken: z.string().check(z.minLength(1), z.maxLength(255), z.regex(PAYMENT_TOKEN_PATTERN)),
});

export type PlaceOrderRequest = z.infer<typeof placeOrderSchema>;
export type OrderLine = z.infer<typeof orderLineSchema>;

export interface ValidationIssue {
  readonly path: string;
  readonly code: ApiErrorCode;
  readonly message: string;
}

export type ParseResult =
  | { readonly ok: true; readonly value: PlaceOrderRequest }
  | {
      readonly ok: false;
      readonly code: ApiErrorCode;
      readonly message: string;
      readonly issues: ValidationIssue[];
    };

function fail(code: ApiErrorCode, message: string, issues: ValidationIssue[] = []): ParseResult {
  return { ok: false, code, message, issues };
}

type ZodIssue = z.core.$ZodIssue;

const FIELD_RULES: Record<string, string> = {
  customerEmail: "must be a valid e-mail address of at most 254 characters",
  paymentToken: "must be a card token such as tok_visa or a payment method such as pm_card_visa",
  productId: "must be 1-64 letters, digits, '-' or '_'",
  quantity: `must be a whole number from 1 to ${ORDER_LIMITS.maxQuantity}`,
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Maps one zod issue to the specific error code and a message a client developer can act on. */
function toIssue(issue: ZodIssue, input: unknown): ValidationIssue {
  const path = issue.path.join(".");
  const field = String(issue.path[issue.path.length - 1] ?? "body");
  const inItems = issue.path[0] === "items";
  const issueOf = (code: ApiErrorCode, message: string): ValidationIssue => ({ path, code, message });
  if (issue.code === "unrecognized_keys") {
    return issueOf("UNKNOWN_FIELD", `Unknown field(s): ${issue.keys.join(", ")}`);
  }
  if (issue.code === "invalid_type") {
    if (valueAt(input, issue.path) === undefined) return issueOf("MISSING_FIELD", `${field} is required`);
    if (
      inItems &&
      field === "quantity" &&
      issue.expected === "int" &&
      typeof valueAt(input, issue.path) === "number"
    ) {
      return issueOf("INVALID_QUANTITY", `quantity ${FIELD_RULES.quantity}`);
    }
    return issueOf("INVALID_TYPE", `${field} must be of type ${issue.expected}`);
  }
  if (issue.path.length === 1 && field === "items") {
    return issue.code === "too_small"
      ? issueOf("EMPTY_ITEMS", "items must list at least one product")
      : issueOf("TOO_MANY_ITEMS", `items may list at most ${ORDER_LIMITS.maxDistinctProducts} products`);
  }
  const rule = FIELD_RULES[field];
  const codes: Record<string, ApiErrorCode> = {
    customerEmail: "INVALID_EMAIL",
    paymentToken: "INVALID_PAYMENT_TOKEN",
    productId: "INVALID_PRODUCT_ID",
    quantity: "INVALID_QUANTITY",
  };
  if (rule && codes[field]) return issueOf(codes[field], `${field} ${rule}`);
  return issueOf("INVALID_VALUE", `${field} is not valid`);
}

/**
 * Parses and validates a POST /orders body. Returns a specific error code for the first problem and
 * every problem found in `issues`, never throws for client input.
 */
export function parsePlaceOrderBody(rawBody: string | null | undefined): ParseResult {
  if (rawBody === null || rawBody === undefined || rawBody.trim() === "") {
    return fail("MISSING_BODY", "The request body is required and must be a JSON object.");
  }
  if (Buffer.byteLength(rawBody, "utf8") > ORDER_LIMITS.maxBodyBytes) {
    return fail("BODY_TOO_LARGE", `The request body must be at most ${ORDER_LIMITS.maxBodyBytes} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return fail("INVALID_JSON", "The request body is not valid JSON.");
  }
  return validatePlaceOrder(json);
}

export function validatePlaceOrder(json: unknown): ParseResult {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("INVALID_BODY", "The request body must be a JSON object.");
  }
  const parsed = placeOrderSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => toIssue(issue, json));
    const first = issues[0];
    return fail(first.code, first.message, issues);
  }
  const seen = new Set<string>();
  for (const [index, line] of parsed.data.items.entries()) {
    if (seen.has(line.productId)) {
      return fail(
        "DUPLICATE_PRODUCT",
        `items.${index}.productId: ${line.productId} appears more than once.`,
        [{ path: `items.${index}.productId`, code: "DUPLICATE_PRODUCT", message: "Duplicate productId" }],
      );
    }
    seen.add(line.productId);
  }
  return { ok: true, value: parsed.data };
}

/**
 * The root method configured as GET places an order from query parameters:
 * `?customerEmail=a@example.com&paymentToken=tok_visa&items=SKU-1001:2,SKU-1002:1`.
 */
export function placeOrderFromQuery(query: Record<string, string | undefined> | null): ParseResult {
  const params = query ?? {};
  const unknown = Object.keys(params).filter((k) => !["customerEmail", "paymentToken", "items"].includes(k));
  if (unknown.length > 0) {
    return fail("UNKNOWN_FIELD", `Unknown query parameter: ${unknown.join(", ")}`);
  }
  const itemsParam = params.items;
  if (itemsParam === undefined || itemsParam === "") {
    return fail("MISSING_FIELD", "items: expected productId:quantity pairs separated by commas.");
  }
  const items: { productId: string; quantity: number }[] = [];
  for (const pair of itemsParam.split(",")) {
    const match = /^([^:]+):(-?\d+(?:\.\d+)?)$/.exec(pair.trim());
    if (!match) return fail("INVALID_ITEMS", `items: "${pair}" is not productId:quantity.`);
    items.push({ productId: match[1], quantity: Number(match[2]) });
  }
  return validatePlaceOrder({
    customerEmail: params.customerEmail,
    paymentToken: params.paymentToken,
    items,
  });
}
