/**
 * The local runtime signs customers in and enforces ownership as the deployed API does: ID tokens
 * verified like API Gateway's Cognito authorizer (signature, issuer, audience, expiry, token_use),
 * the same claims handed to the function, and the same answers: 401 with the error body, 404 for
 * another customer's order. Then --no-auth and CORS, as api_auth = none and allowed_origins.
 */
import { generateKeyPair, SignJWT } from "jose";
import { localCustomerId, LOCAL_CLIENT_ID, LOCAL_ISSUER } from "../../local/cognito/user-pool";
import { startTestSystem, TEST_CUSTOMER_EMAIL, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

const order = { paymentToken: "tok_visa", items: [{ productId: "SKU-1001", quantity: 1 }] };

describe("sign-in on (the default, as api_auth = cognito)", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  /** A token with the pool's claims, signed by someone else's key. */
  async function forgedToken(overrides: Record<string, unknown> = {}, issuer = LOCAL_ISSUER) {
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: TEST_CUSTOMER_EMAIL, email_verified: true, token_use: "id", ...overrides })
      .setProtectedHeader({ alg: "RS256", kid: "local-signing-key" })
      .setSubject(localCustomerId(TEST_CUSTOMER_EMAIL))
      .setIssuer(issuer)
      .setAudience(LOCAL_CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
  }

  test("no, expired, forged, malformed or access tokens get 401 with the error body, never a 500", async () => {
    const auth = t.system.auth!;
    const refused = {
      none: "",
      expired: await auth.issueIdToken(TEST_CUSTOMER_EMAIL, { lifetimeSeconds: -60 }),
      "another key": await forgedToken(),
      malformed: "not.a.jwt",
      garbage: "Bearer ",
    };
    for (const [kind, token] of Object.entries(refused)) {
      for (const reply of [await t.placeOrder(order, undefined, token), await t.listOrders("", token)]) {
        expect({ kind, status: reply.status }).toEqual({ kind, status: 401 });
        expect(reply.body).toEqual({
          error: { code: "UNAUTHORIZED", message: expect.stringContaining("ID token"), details: null },
        });
      }
    }
    expect(await t.allOrders()).toEqual([]);
  });

  test("a token signed with the pool's own key is still refused for another issuer, audience or use", async () => {
    const auth = t.system.auth!;
    const swaps: Record<string, string>[] = [
      { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" },
      { aud: "another-client" },
      { token_use: "access" },
    ];
    for (const claimOverrides of swaps) {
      const token = await auth.issueIdToken(TEST_CUSTOMER_EMAIL, { claimOverrides });
      expect({ claimOverrides, status: (await t.listOrders("", token)).status }).toEqual({
        claimOverrides,
        status: 401,
      });
    }
    // The same key without a swapped claim is accepted: what failed above was the claim.
    expect((await t.listOrders("", await auth.issueIdToken(TEST_CUSTOMER_EMAIL))).status).toBe(200);
  });

  test("a valid token, raw or with a Bearer prefix, places and lists the customer's own orders", async () => {
    const placed = await t.placeOrder(order, "auth-1");
    expect(placed.status).toBe(202);
    const orderId = String(placed.body.orderId);
    expect(orderId).toBe(await t.orderIdFor("auth-1"));
    expect(await t.orderRecord(orderId)).toMatchObject({
      customerId: localCustomerId(TEST_CUSTOMER_EMAIL),
      customerEmail: TEST_CUSTOMER_EMAIL,
    });
    const listed = await t.listOrders("", `Bearer ${t.token}`);
    expect(listed.status).toBe(200);
    expect((listed.body.orders as { orderId: string }[]).map((o) => o.orderId)).toContain(orderId);
    await t.waitForFinalStatus(orderId);
  });

  test("customer A cannot read or list B's orders; the same key from A and B makes two orders", async () => {
    const a = t.token;
    const b = await t.tokenFor("b.customer@example.com");
    const fromA = await t.placeOrder(order, "shared-key", a);
    const fromB = await t.placeOrder(order, "shared-key", b);
    expect([fromA.status, fromB.status]).toEqual([202, 202]);
    expect(fromA.body.orderId).not.toBe(fromB.body.orderId);
    expect((await t.getOrder(String(fromA.body.orderId), b)).status).toBe(404);
    expect((await t.getOrder(String(fromB.body.orderId), a)).status).toBe(404);
    expect((await t.getOrder(String(fromB.body.orderId), b)).body).toMatchObject({
      orderId: fromB.body.orderId,
    });
    // The index is eventually consistent on AWS; dynalite's is immediate.
    const listedByB = (await t.listOrders("", b)).body.orders as { orderId: string }[];
    expect(listedByB.map((o) => o.orderId)).toEqual([fromB.body.orderId]);
    const mismatch = await t.placeOrder({ ...order, customerEmail: "not-b@example.com" }, undefined, b);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ error: { code: "CUSTOMER_EMAIL_MISMATCH" } });
    await t.system.settled();
  });

  test("a staff token (POST /_local/token with groups [staff]) reads another customer's order; an unknown group is refused", async () => {
    const placed = await t.placeOrder({
      items: [{ productId: "SKU-1001", quantity: 1 }],
      paymentToken: "tok_visa",
    });
    const orderId = String(placed.body.orderId);
    const staffAnswer = await fetch(`${t.system.url}/_local/token`, {
      method: "POST",
      headers: { Accept: "text/plain" },
      body: JSON.stringify({ email: "support@shop.example.com", groups: ["staff"] }),
    });
    const staff = await staffAnswer.text();
    expect((await t.getOrder(orderId, staff)).body).toMatchObject({ orderId });
    expect((await t.getOrder(orderId, await t.tokenFor("nosy@example.com"))).status).toBe(404);
    const unknown = await fetch(`${t.system.url}/_local/token`, {
      method: "POST",
      body: JSON.stringify({ email: "support@shop.example.com", groups: ["admins"] }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "INVALID_GROUPS" } });
    await t.system.settled();
  });

  test("GET /products needs no token; POST /_local/token refuses a bad e-mail with a 400", async () => {
    expect((await fetch(`${t.system.url}/products`)).status).toBe(200);
    const bad = await fetch(`${t.system.url}/_local/token`, { method: "POST", body: '{"email":"nope"}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "INVALID_EMAIL" } });
    const json = await fetch(`${t.system.url}/_local/token`, {
      method: "POST",
      body: JSON.stringify({ email: "c@example.com" }),
    });
    expect(await json.json()).toMatchObject({
      idToken: expect.stringMatching(/^ey/),
      tokenType: "Bearer",
      expiresIn: 1800,
      customerId: localCustomerId("c@example.com"),
    });
  });
});

describe("--no-auth with CORS (as api_auth = none and allowed_origins)", () => {
  const STOREFRONT = "https://shop.example.com";
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem({ apiAuth: "none", allowedOrigins: [STOREFRONT, "https://m.example.com"] });
  });
  afterAll(() => t.stop());

  test("order routes need no token; orders have no owner; listing needs a customer", async () => {
    expect(t.system.auth).toBeUndefined();
    const placed = await t.placeOrder({ ...order, customerEmail: "demo@example.com" }, "open-1");
    expect(placed.status).toBe(202);
    expect((await t.orderRecord(String(placed.body.orderId)))?.customerId).toBeUndefined();
    expect((await t.listOrders()).status).toBe(403);
    const token = await fetch(`${t.system.url}/_local/token`, { method: "POST", body: '{"email":"a@b.co"}' });
    expect(await token.json()).toMatchObject({ error: { code: "AUTH_DISABLED" } });
    await t.system.settled();
  });

  test("a preflight from an allowed origin is granted; from another origin it is not", async () => {
    const preflight = (origin: string) =>
      fetch(`${t.system.url}/orders`, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      });
    const granted = await preflight(STOREFRONT);
    expect(granted.status).toBe(200);
    expect(granted.headers.get("access-control-allow-origin")).toBe(STOREFRONT);
    expect(granted.headers.get("access-control-allow-methods")).toBe("POST, GET, OPTIONS");
    expect(granted.headers.get("access-control-allow-headers")).toContain("Authorization");
    const refused = await preflight("https://evil.example.com");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("the function's responses echo an allowed origin, errors included", async () => {
    const response = await fetch(`${t.system.url}/orders`, {
      method: "POST",
      headers: { Origin: "https://m.example.com", "Content-Type": "application/json" },
      body: "{",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://m.example.com");
    expect(response.headers.get("access-control-expose-headers")).toContain("Idempotency-Key");
  });
});

test("API Gateway's own 401 carries the first allowed origin, as the deployed gateway response does", async () => {
  const t = await startTestSystem({ allowedOrigins: ["https://shop.example.com"] });
  try {
    const response = await fetch(`${t.system.url}/orders`, {
      headers: { Origin: "https://shop.example.com" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(await response.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  } finally {
    await t.stop();
  }
});
