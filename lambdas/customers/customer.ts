/**
 * The signed-in customer of a request. API Gateway's Cognito authorizer verifies the ID token and
 * hands the function its claims at `requestContext.authorizer.claims`, every value a string; the
 * local API does the same. The customer is the token's `sub`; their e-mail is its `email` claim.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { errorResponse } from "../platform/http";

/** `cognito`: every order route needs a signed-in customer. `none`: the documented opt-out for demos. */
export const API_AUTH_MODES = ["cognito", "none"] as const;
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

export interface Customer {
  readonly customerId: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  /** The user pool groups of the token (`cognito:groups`). */
  readonly groups: readonly string[];
}

/** The user pool group of the store's staff: they may read every order (and act on it after the sale). */
export const STAFF_GROUP = "staff";
/** Every group of the user pool (the stack creates each; the local pool issues only these). */
export const USER_POOL_GROUPS = [STAFF_GROUP] as const;

/** The groups' claim. API Gateway renders a list claim as text: `staff`, `a,b` or `[a b]`. */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== "string") return [];
  return claim
    .replace(/^\[|\]$/g, "")
    .split(/[\s,]+/)
    .filter((group) => group !== "");
}

export function isStaff(customer: Customer | undefined): boolean {
  return customer?.groups.includes(STAFF_GROUP) ?? false;
}

/** Claim names as Cognito writes them into an ID token. */
export interface IdTokenClaims {
  readonly sub: string;
  readonly email: string;
  readonly email_verified: boolean;
  readonly iss: string;
  readonly aud: string;
  readonly token_use: "id";
  readonly "cognito:username": string;
  readonly auth_time: number;
  readonly iat: number;
  readonly exp: number;
}

/** Lifetimes of the storefront client's tokens, shared by the user pool client and the local issuer. */
export const TOKEN_LIFETIMES = { idTokenMinutes: 30, accessTokenMinutes: 30, refreshTokenDays: 30 } as const;

/** The customer behind a request, or undefined when no authorizer ran (api_auth = none). */
export function customerOf(event: Pick<APIGatewayProxyEvent, "requestContext">): Customer | undefined {
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | null | undefined)
    ?.claims;
  const sub = claims?.sub;
  if (typeof sub !== "string" || sub === "") return undefined;
  const email = typeof claims?.email === "string" && claims.email !== "" ? claims.email : undefined;
  // API Gateway passes every claim as a string; a hand-built event may carry the JSON boolean.
  const verified = claims?.email_verified;
  return {
    customerId: sub,
    email,
    emailVerified: verified === "true" || verified === true,
    groups: groupsOf(claims?.["cognito:groups"]),
  };
}

/** E-mail addresses compare case-insensitively, as the user pool's usernames do. */
/**
 * Whether the caller may see or change an order: its owner or the store's staff; anyone when there
 * is no caller (api_auth = none: orders have no owner, and the authorizer admits nobody otherwise).
 */
export function mayActOn(caller: Customer | undefined, order: { readonly customerId?: string }): boolean {
  return caller === undefined || order.customerId === caller.customerId || isStaff(caller);
}

/**
 * The staff member a staff-only route is called by, or the answer for anyone else: 401 without a
 * sign-in, 403 STAFF_ONLY outside the staff group. `what` completes "Only the store's staff may …".
 */
export function staffOf(
  event: Pick<APIGatewayProxyEvent, "requestContext">,
  what: string,
): Customer | APIGatewayProxyResult {
  const caller = customerOf(event);
  if (!caller) return errorResponse("UNAUTHORIZED", `Sign in: only the store's staff may ${what}.`);
  if (!isStaff(caller)) return errorResponse("STAFF_ONLY", `Only the store's staff may ${what}.`);
  return caller;
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
