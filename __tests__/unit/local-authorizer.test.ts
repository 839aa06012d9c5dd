/**
 * The local Cognito authorizer keeps a verified token's answer as API Gateway does, for the
 * authorizer's result TTL (the stack's authorizer_result_ttl_in_seconds), and never past the token's
 * expiry or its customer's deletion. Only the clock is faked: the signing and verifying are real.
 */
import { AUTHORIZER_RESULT_TTL_SECONDS } from "../../lambdas/platform/routes";
import { startAuthService, type AuthService } from "../../local/cognito/user-pool";

const START = Date.parse("2026-12-03T12:00:00Z");
let auth: AuthService;

beforeAll(async () => {
  auth = await startAuthService();
});
beforeEach(() => {
  jest.useFakeTimers({
    now: START,
    doNotFake: ["nextTick", "setImmediate", "setTimeout", "setInterval", "queueMicrotask", "performance"],
  });
});
afterEach(() => jest.useRealTimers());

const claimsOf = (authorization: Awaited<ReturnType<AuthService["authorize"]>>) => {
  if (!authorization.ok) throw new Error(`refused: ${authorization.reason}`);
  return authorization.claims;
};

test("a token's answer is kept for the authorizer's TTL, then the token is verified again", async () => {
  const token = await auth.issueIdToken("kept@example.com", { lifetimeSeconds: 3600 });
  const first = claimsOf(await auth.authorize(token));
  // The same object: not verified again (with or without the Bearer prefix, the same token).
  expect(claimsOf(await auth.authorize(`Bearer ${token}`))).toBe(first);
  jest.setSystemTime(START + AUTHORIZER_RESULT_TTL_SECONDS * 1000 - 1);
  expect(claimsOf(await auth.authorize(token))).toBe(first);
  jest.setSystemTime(START + AUTHORIZER_RESULT_TTL_SECONDS * 1000);
  const again = claimsOf(await auth.authorize(token));
  expect(again).not.toBe(first);
  expect(again).toEqual(first);
});

test("a kept token is refused once it expires, and once its customer is deleted", async () => {
  const shortLived = await auth.issueIdToken("short@example.com", { lifetimeSeconds: 60 });
  claimsOf(await auth.authorize(shortLived));
  jest.setSystemTime(START + 61_000);
  expect(await auth.authorize(shortLived)).toEqual({ ok: false, reason: expect.stringMatching(/"exp"/) });

  const token = await auth.issueIdToken("deleted@example.com");
  const { sub } = claimsOf(await auth.authorize(token));
  expect(auth.deleteUser(sub)).toBe("deleted");
  expect(await auth.authorize(token)).toEqual({ ok: false, reason: "the user was deleted" });
});

test("a sign-in after a deletion is a new account: a new sub, and deleting it refuses its tokens too", async () => {
  const email = "returning@example.com";
  const first = claimsOf(await auth.authorize(await auth.issueIdToken(email))).sub;
  expect(auth.customerIdOf(email)).toBe(first);
  expect(auth.deleteUser(first)).toBe("deleted");
  expect(auth.deleteUser(first)).toBe("absent");

  jest.setSystemTime(START + 5_000);
  const again = await auth.issueIdToken(email);
  const second = claimsOf(await auth.authorize(again)).sub;
  expect(second).not.toBe(first);
  expect(auth.customerIdOf(email)).toBe(second);

  jest.setSystemTime(START + 10_000);
  expect(auth.deleteUser(second)).toBe("deleted");
  expect(await auth.authorize(again)).toEqual({ ok: false, reason: "the user was deleted" });
  jest.setSystemTime(START + 15_000);
  const third = claimsOf(await auth.authorize(await auth.issueIdToken(email))).sub;
  expect(new Set([first, second, third]).size).toBe(3);
});

test("the pool's accounts and deletions survive a restart under --data-dir, and name no address", async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dataDir = mkdtempSync(join(tmpdir(), "user-pool-"));
  try {
    const email = "kept.account@example.com";
    const before = await startAuthService({ dataDir });
    const first = claimsOf(await before.authorize(await before.issueIdToken(email))).sub;
    before.deleteUser(first);
    const after = await startAuthService({ dataDir });
    expect(after.customerIdOf(email)).not.toBe(first);
    const reissued = await after.issueIdToken(email, { claimOverrides: { sub: first } });
    expect(await after.authorize(reissued)).toEqual({ ok: false, reason: "the user was deleted" });
    expect(readFileSync(join(dataDir, "user-pool.jsonl"), "utf8")).not.toContain("kept.account");
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
