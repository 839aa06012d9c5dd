/**
 * The local twin of the Cognito user pool and API Gateway's Cognito authorizer: it issues ID tokens
 * of the same shape as the pool's (a key pair generated at start, RS256) and verifies them as the
 * authorizer does (signature, issuer, audience, expiry, token_use), handing the function the claims
 * as API Gateway does: every value a string, dates as Java's Date.toString() writes them.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";
import { TOKEN_LIFETIMES } from "../../lambdas/customers/customer";
import { AUTHORIZER_RESULT_TTL_SECONDS } from "../../lambdas/platform/routes";
import { DurableList } from "../runtime/durable-list";
import { LOCAL_REGION, LOCAL_USER_POOL_ID } from "../runtime/resources";
import type { LocalService } from "../runtime/service";

export { LOCAL_USER_POOL_ID };
export const LOCAL_CLIENT_ID = "localstorefrontclient00000";
export const LOCAL_ISSUER = `https://cognito-idp.${LOCAL_REGION}.amazonaws.com/${LOCAL_USER_POOL_ID}`;
const KEY_ID = "local-signing-key";

export type Authorization =
  | { readonly ok: true; readonly claims: Record<string, string> }
  | { readonly ok: false; readonly reason: string };

export interface IssueOptions {
  /** Seconds until the token expires; negative for a token that has already expired. */
  readonly lifetimeSeconds?: number;
  readonly emailVerified?: boolean;
  /** User pool groups (`cognito:groups`), e.g. ["staff"]. */
  readonly groups?: readonly string[];
  /** Claims to replace (iss, aud, token_use, …): how tests show the verifier checks each one. */
  readonly claimOverrides?: Readonly<Record<string, string>>;
}

export interface AuthService extends LocalService {
  readonly issuer: string;
  readonly clientId: string;
  /**
   * An ID token for the customer with this e-mail address: the same customer on every call until
   * their account is deleted; a sign-in after that is a new user with a new `sub`, as in Cognito.
   */
  issueIdToken(email: string, options?: IssueOptions): Promise<string>;
  /** The `sub` a sign-in with this e-mail address gets now. */
  customerIdOf(email: string): string;
  /** Verifies the Authorization header's token as API Gateway's Cognito authorizer would. */
  authorize(authorizationHeader: string | undefined): Promise<Authorization>;
  /** The public key, as the pool publishes it at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] };
  /** AdminDeleteUser: the customer's tokens issued until now are refused from now on. */
  deleteUser(customerId: string): "deleted" | "absent";
}

/**
 * A local customer's `sub`: UUID-shaped and stable per e-mail address, so a kept --data-dir's orders
 * stay theirs. `account` counts the accounts of that address deleted before this one: a customer who
 * erased their data and signs up again is someone new, who cannot read the erased orders.
 */
export function localCustomerId(email: string, account = 0): string {
  const seed = `customer:${email.trim().toLowerCase()}${account > 0 ? `#${account}` : ""}`;
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Sun Dec 17 07:28:12 UTC 2017`: how API Gateway renders the exp and iat claims. */
export function gatewayClaimDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** The claims object API Gateway puts at requestContext.authorizer.claims. */
function gatewayClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (name === "exp" || name === "iat") claims[name] = gatewayClaimDate(Number(value));
    else claims[name] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return claims;
}

function tokenOf(authorizationHeader: string | undefined): string | undefined {
  const value = authorizationHeader?.trim();
  if (!value) return undefined;
  // API Gateway's Cognito authorizer reads the raw token; a "Bearer " prefix is accepted as well.
  return value.replace(/^Bearer\s+/i, "");
}

/** One line of the pool's user directory (under --data-dir): an account opened, or deleted. */
type DirectoryEntry =
  | { readonly opened: string; readonly addressHash: string }
  | { readonly deleted: string; readonly at: number };

const addressHashOf = (email: string) =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

/**
 * Which account each address has now and which accounts were deleted (AdminDeleteUser), kept in a
 * file under --data-dir so that a restart neither revives a deleted account nor hands its `sub` to
 * the next sign-in. Addresses are kept as hashes only: an erased customer is named by nothing here.
 */
class UserDirectory {
  private readonly entries: DurableList<DirectoryEntry>;
  /** Every account's address hash, by `sub`. */
  private readonly addressOf = new Map<string, string>();
  /** Deleted accounts per address hash: the next account of that address is numbered after them. */
  private readonly deletedPerAddress = new Map<string, number>();
  /** Deleted accounts and when (epoch seconds): a token issued until then is refused. */
  private readonly deletedAt = new Map<string, number>();

  constructor(dataDir: string | undefined) {
    this.entries = new DurableList(dataDir ? join(dataDir, "user-pool.jsonl") : undefined);
    for (const entry of this.entries.list()) this.apply(entry);
  }

  private apply(entry: DirectoryEntry): void {
    if ("opened" in entry) {
      this.addressOf.set(entry.opened, entry.addressHash);
      return;
    }
    if (!this.deletedAt.has(entry.deleted)) {
      const address = this.addressOf.get(entry.deleted);
      if (address) this.deletedPerAddress.set(address, (this.deletedPerAddress.get(address) ?? 0) + 1);
    }
    this.deletedAt.set(entry.deleted, entry.at);
  }

  private record(entry: DirectoryEntry): void {
    this.entries.push(entry);
    this.apply(entry);
  }

  /** The address's current account, opened at its first sign-in. */
  accountOf(email: string): string {
    const addressHash = addressHashOf(email);
    const sub = localCustomerId(email, this.deletedPerAddress.get(addressHash) ?? 0);
    if (!this.addressOf.has(sub)) this.record({ opened: sub, addressHash });
    return sub;
  }

  /** Read-only: the `sub` the next sign-in with this address gets. */
  peekAccountOf(email: string): string {
    return localCustomerId(email, this.deletedPerAddress.get(addressHashOf(email)) ?? 0);
  }

  /** Every token of the account issued until now is refused from now on, whatever came before. */
  delete(sub: string): "deleted" | "absent" {
    const deletedBefore = this.deletedAt.has(sub);
    this.record({ deleted: sub, at: Math.floor(Date.now() / 1000) });
    return deletedBefore ? "absent" : "deleted";
  }

  deletedSince(sub: string): number | undefined {
    return this.deletedAt.get(sub);
  }
}

export async function startAuthService(options: { readonly dataDir?: string } = {}): Promise<AuthService> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KEY_ID, alg: "RS256", use: "sig" };
  const directory = new UserDirectory(options.dataDir);
  const refuseDeleted = (authorization: Authorization): Authorization => {
    if (!authorization.ok) return authorization;
    const deletedAt = directory.deletedSince(authorization.claims.sub);
    const issuedAt = Date.parse(authorization.claims.iat) / 1000;
    return deletedAt !== undefined && !(issuedAt > deletedAt)
      ? { ok: false, reason: "the user was deleted" }
      : authorization;
  };
  return {
    name: "auth",
    issuer: LOCAL_ISSUER,
    clientId: LOCAL_CLIENT_ID,
    issueIdToken: (email, issue = {}) => sign(privateKey, email, directory.accountOf(email), issue),
    customerIdOf: (email) => directory.peekAccountOf(email),
    authorize: verifiedOnce(publicKey, refuseDeleted),
    deleteUser: (customerId) => directory.delete(customerId),
    jwks: () => ({ keys: [publicJwk] }),
    stop: async () => undefined,
  };
}

async function sign(
  privateKey: CryptoKey,
  email: string,
  sub: string,
  options: IssueOptions,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const lifetime = options.lifetimeSeconds ?? TOKEN_LIFETIMES.idTokenMinutes * 60;
  return new SignJWT({
    sub,
    iss: LOCAL_ISSUER,
    aud: LOCAL_CLIENT_ID,
    email: email.trim(),
    email_verified: options.emailVerified ?? true,
    token_use: "id",
    "cognito:username": sub,
    auth_time: now,
    iat: now,
    exp: now + lifetime,
    ...(options.groups && options.groups.length > 0 ? { "cognito:groups": [...options.groups] } : {}),
    ...options.claimOverrides,
  })
    .setProtectedHeader({ alg: "RS256", kid: KEY_ID })
    .sign(privateKey);
}

/** Tokens kept at most: enough for every customer of a local run, bounded for a long one. */
const KEPT_TOKENS = 10_000;

/**
 * The authorizer as API Gateway runs it: a token's verified claims are kept for the authorizer's
 * result TTL (until the token expires, if sooner) and the token is not verified again meanwhile.
 * Only acceptances are kept, and `refuse` (deleted customers) is asked on every request.
 */
function verifiedOnce(
  publicKey: CryptoKey,
  refuse: (authorization: Authorization) => Authorization,
): (header: string | undefined) => Promise<Authorization> {
  const kept = new Map<string, { readonly claims: Record<string, string>; readonly untilMs: number }>();
  return async (header) => {
    const token = tokenOf(header);
    if (!token) return { ok: false, reason: "no token in the Authorization header" };
    const known = kept.get(token);
    if (known && Date.now() < known.untilMs) return refuse({ ok: true, claims: known.claims });
    kept.delete(token);
    const verified = await verify(publicKey, token);
    if (!verified.ok) return verified;
    if (kept.size >= KEPT_TOKENS) kept.delete(kept.keys().next().value!);
    const untilMs = Math.min(Date.now() + AUTHORIZER_RESULT_TTL_SECONDS * 1000, verified.expiresAtMs);
    kept.set(token, { claims: verified.claims, untilMs });
    return refuse({ ok: true, claims: verified.claims });
  };
}

/** The authorizer's answer, with an accepted token's expiry. */
type Verification =
  | Extract<Authorization, { ok: false }>
  | { readonly ok: true; readonly claims: Record<string, string>; readonly expiresAtMs: number };

async function verify(publicKey: CryptoKey, token: string): Promise<Verification> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_CLIENT_ID,
      algorithms: ["RS256"],
      requiredClaims: ["sub", "exp", "iat"],
    });
    if (payload.token_use !== "id") return { ok: false, reason: "not an ID token" };
    return { ok: true, claims: gatewayClaims(payload), expiresAtMs: payload.exp! * 1000 };
  } catch (error) {
    // Expired, badly signed, another issuer or audience, or not a JWT at all.
    return { ok: false, reason: (error as Error).message };
  }
}
