/**
 * The answers API Gateway gives itself, before the function runs, in the API's one error shape. The
 * stack turns them into gateway responses; the local API answers with the same codes and messages.
 * `message: null` means API Gateway's own message ($context.error.messageString) is used.
 */
export interface GatewayResponse {
  readonly status?: number;
  readonly code: string;
  readonly message: string | null;
}

export const GATEWAY_RESPONSES = {
  BAD_REQUEST_BODY: {
    status: 400,
    code: "INVALID_REQUEST_BODY",
    message: "The request body does not match the order schema: see the API documentation.",
  },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    code: "INVALID_PARAMETERS",
    message: "A required path or query parameter is missing or invalid.",
  },
  UNAUTHORIZED: {
    status: 401,
    code: "UNAUTHORIZED",
    message: "Sign in: send a valid, unexpired ID token in the Authorization header.",
  },
  ACCESS_DENIED: { status: 403, code: "FORBIDDEN", message: "This request is not allowed." },
  THROTTLED: { status: 429, code: "TOO_MANY_REQUESTS", message: "Too many requests; retry with backoff." },
  DEFAULT_4XX: { code: "REQUEST_REJECTED", message: null },
  DEFAULT_5XX: { code: "GATEWAY_ERROR", message: null },
} as const satisfies Record<string, GatewayResponse>;
