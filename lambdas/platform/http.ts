import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { API_ERRORS, type ApiErrorCode } from "./api-errors";

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The one error body of the API: `{ "error": { "code", "message", "details" } }`. */
/** An error answer: its status is the code's own (api-errors.ts), so the two never disagree. */
export function errorResponse(
  code: ApiErrorCode,
  message: string,
  details: unknown = null,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return jsonResponse(API_ERRORS[code], { error: { code, message, details } }, headers);
}

/** Header lookup is case-insensitive, as HTTP says. */
/**
 * A request's body parsed as JSON, or the API's INVALID_JSON answer saying what to send (`expected`,
 * as in `Send {"reason": "…"} as JSON.`).
 */
export function jsonBodyOf(body: string | null, expected: string): { json: unknown } | APIGatewayProxyResult {
  try {
    return { json: JSON.parse(body ?? "") };
  } catch {
    return errorResponse("INVALID_JSON", `Send ${expected} as JSON.`);
  }
}

/** What a schema's `safeParse` answers (zod's, for one). */
type SafeParse<T> = (value: unknown) => { success: true; data: T } | { success: false };

/**
 * A JSON body that matches `schema`: its data, or the API's answer: INVALID_JSON saying what to send
 * (`expected`), or INVALID_BODY with `invalid` (unknown fields, wrong types).
 */
export function bodyMatching<T>(
  body: string | null,
  schema: { safeParse: SafeParse<T> },
  expected: string,
  invalid: string,
): { data: T } | APIGatewayProxyResult {
  const sent = jsonBodyOf(body, expected);
  if ("statusCode" in sent) return sent;
  const parsed = schema.safeParse(sent.json);
  return parsed.success ? { data: parsed.data } : errorResponse("INVALID_BODY", invalid);
}

export function header(headers: Record<string, string | undefined> | null, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Client text echoed in an error message is cut short: a 10 KB id is not sent back. */
export function shortened(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The longest reason a refund, a cancellation or an erasure records. */
export const MAX_REASON_LENGTH = 500;

/** C0 and C1 control characters (NUL, ESC, line breaks…): what one line of text never holds. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}

/**
 * A reason as the order records it and the customer's e-mail repeats it: trimmed, 1 to 500 (or, when
 * optional, 0 to 500) characters, one line without control characters; else 400 INVALID_REASON.
 */
export function checkedReason(raw: string, required: boolean): string | APIGatewayProxyResult {
  const reason = raw.trim();
  if (reason.length > MAX_REASON_LENGTH || (required && reason.length === 0)) {
    return errorResponse(
      "INVALID_REASON",
      required
        ? `reason must say why, in 1 to ${MAX_REASON_LENGTH} characters.`
        : `reason must be at most ${MAX_REASON_LENGTH} characters.`,
    );
  }
  if (hasControlCharacters(reason)) {
    return errorResponse(
      "INVALID_REASON",
      "reason must be one line of text: control characters (line breaks, tabs, NUL, ESC…) are not accepted.",
    );
  }
  return reason;
}

/** A client's Idempotency-Key: 1–128 printable ASCII characters without spaces. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * The Idempotency-Key a write requires (`what`: "A refund", "A product change"), or its 400: a
 * retried request with the same key is applied once.
 */
export function requiredIdempotencyKey(
  headers: Record<string, string | undefined> | null,
  what: string,
): string | APIGatewayProxyResult {
  const key = header(headers, "Idempotency-Key");
  if (!key) {
    return errorResponse(
      "IDEMPOTENCY_KEY_REQUIRED",
      `${what} needs an Idempotency-Key header: a retried request with the same key is applied once.`,
    );
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    return errorResponse(
      "INVALID_IDEMPOTENCY_KEY",
      "Idempotency-Key must be 1-128 printable ASCII characters without spaces.",
    );
  }
  return key;
}

/** How many items a list's page may hold (`?limit=`), and how many when it does not say. */
export interface PageLimits {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** The page size of `?limit=`, or the 400 that rejects it. */
function listLimit(raw: string | undefined, limits: PageLimits): number | APIGatewayProxyResult {
  if (raw === undefined) return limits.default;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < limits.min || limit > limits.max) {
    return errorResponse(
      "INVALID_LIMIT",
      `limit must be a whole number from ${limits.min} to ${limits.max}.`,
    );
  }
  return limit;
}

/** A list's page: `?limit=` and the opaque `?cursor=` (decoded by the list), nothing else. */
export function pageQuery(
  event: Pick<APIGatewayProxyEvent, "queryStringParameters">,
  limits: PageLimits,
): { readonly limit: number; readonly cursor?: string } | APIGatewayProxyResult {
  const query = event.queryStringParameters ?? {};
  const unknown = Object.keys(query).filter((k) => k !== "limit" && k !== "cursor");
  if (unknown.length > 0) {
    return errorResponse("UNKNOWN_PARAMETER", `Unknown query parameter: ${unknown.join(", ")}.`);
  }
  const limit = listLimit(query.limit, limits);
  if (typeof limit !== "number") return limit;
  return { limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
}
