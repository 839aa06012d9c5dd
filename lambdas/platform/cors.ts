/**
 * CORS for a storefront on another origin. The same headers come from the function (its responses),
 * from API Gateway (the OPTIONS preflight and its own error responses) and from the local API.
 * Only an allowed origin is ever echoed; with no allowed origins there are no CORS headers at all.
 */
import { header } from "./http";

/** Request headers a storefront sends: the ID token and the idempotency key. */
export const CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"] as const;
/** Response headers a storefront may read. */
export const CORS_EXPOSED_HEADERS = [
  "Idempotency-Key",
  "Idempotent-Replayed",
  "Location",
  "Retry-After",
] as const;
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** An allowed origin: scheme, host and optional port, nothing else (as browsers send Origin). */
export const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/** Parses the comma-separated allowed origins of the function's configuration. */
export function parseAllowedOrigins(value: string): string[] {
  const origins = value
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  const invalid = origins.filter((o) => !ORIGIN_PATTERN.test(o));
  if (invalid.length > 0) {
    throw new Error(`Allowed origins must look like https://shop.example.com; got ${invalid.join(", ")}`);
  }
  return origins;
}

/** The CORS headers of a response to a request from `origin` (none for a foreign or absent origin). */
export function corsHeaders(
  requestHeaders: Record<string, string | undefined> | null,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (allowedOrigins.length === 0) return {};
  const origin = header(requestHeaders, "Origin");
  if (origin === undefined || !allowedOrigins.includes(origin)) return { Vary: "Origin" };
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Expose-Headers": CORS_EXPOSED_HEADERS.join(", "),
    Vary: "Origin",
  };
}

/** The extra headers of a preflight answer to an allowed origin. */
export function preflightHeaders(methods: readonly string[]): Record<string, string> {
  return {
    "Access-Control-Allow-Methods": [...methods, "OPTIONS"].join(", "),
    "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS.join(", "),
    "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
  };
}
