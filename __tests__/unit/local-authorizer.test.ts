/**
 * The local Cognito authorizer keeps a verified token's answer as API Gateway does, for the
 * authorizer's result TTL (the stack's authorizer_result_ttl_in_seconds), and never past the token's
 * expiry or its customer's deletion. Only the clock is faked: the signing and verifying are real.
 */
import { AUTHORIZER_RESULT_TTL_SECONDS } from "../../lambdas/shared/routes";
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
