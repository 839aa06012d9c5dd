/**
 * The local API answers odd requests as a careful server does: a 4xx with the error body, never a
 * 5xx or a stray 200; HEAD where GET works; short error messages; the database on loopback only.
 */
import { connect } from "node:net";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { nonLoopbackAddress } from "../support/network";

jest.setTimeout(60_000);

let t: TestSystem;
beforeAll(async () => {
  // Listening on every interface: only the API may be exposed.
  t = await startTestSystem({ host: "0.0.0.0" });
});
afterAll(() => t.stop());

/**
 * Sends a raw request line (the fetch API would normalise it) and returns the status and body.
 * HTTP/1.0, so the answer comes without chunked encoding.
 */
function raw(requestLine: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.system.port, "127.0.0.1", () => {
      socket.write(`${requestLine.replace(/ HTTP\/1\.1$/, " HTTP/1.0")}\r\nHost: localhost\r\n\r\n`);
    });
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.on("error", reject);
  });
}

const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

test.each([
  ["a malformed percent-escape", "GET /orders/%E0%A4%A HTTP/1.1", 400, "INVALID_PATH"],
  ["a bad absolute-form target", "GET http://[::1 HTTP/1.1", 400, "INVALID_REQUEST_TARGET"],
  ["__proto__ under /_local/", "GET /_local/__proto__ HTTP/1.1", 404, "ROUTE_NOT_FOUND"],
  ["constructor under /_local/", "GET /_local/constructor HTTP/1.1", 404, "ROUTE_NOT_FOUND"],
  ["toString under /_local/", "GET /_local/toString HTTP/1.1", 404, "ROUTE_NOT_FOUND"],
  ["a doubled slash, which is not the root", "POST //orders HTTP/1.1", 404, "ROUTE_NOT_FOUND"],
  ["an empty segment", "GET /orders//x HTTP/1.1", 404, "ROUTE_NOT_FOUND"],
])("%s (%s) answers %i %s with the error body", async (_, line, status, code) => {
  const reply = await raw(line);
  expect(reply.status).toBe(status);
  expect(errorCode(reply.body)).toBe(code);
});

test("an absolute-form target for a real route is served like its path", async () => {
  const reply = await raw("GET http://localhost/products HTTP/1.1");
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toHaveProperty("products");
});

test("HEAD works where GET does, without a body", async () => {
  const head = await fetch(`${t.system.url}/products`, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe("");
  const health = await fetch(`${t.system.url}/_local/health`, { method: "HEAD" });
  expect(health.status).toBe(200);
});

test("a 404 does not echo a 10 KB id back", async () => {
  const id = "x".repeat(10_000);
  const reply = await t.getOrder(id);
  expect(reply.status).toBe(404);
  expect(JSON.stringify(reply.body).length).toBeLessThan(500);
  const route = await fetch(`${t.system.url}/${id}`);
  expect(route.status).toBe(404);
  expect((await route.text()).length).toBeLessThan(500);
});

test("--host exposes the API; the database listens on loopback only", () => {
  expect(new URL(t.system.dynamoDbEndpoint).hostname).toBe("127.0.0.1");
});

test("the notification and execution windows are bounded", async () => {
  const { RECENT_NOTIFICATIONS } = await import("../../local/sns/notifications");
  const { LocalNotifications } = await import("../../local/sns/notifications");
  const sns = new LocalNotifications();
  const arn = "arn:aws:sns:us-east-1:000000000000:order-alerts";
  for (let i = 0; i < RECENT_NOTIFICATIONS * 2; i++) sns.publish(arn, `n${i}`, "m");
  const kept = sns.list();
  expect(kept).toHaveLength(RECENT_NOTIFICATIONS);
  expect(kept.at(-1)?.subject).toBe(`n${RECENT_NOTIFICATIONS * 2 - 1}`);
});

test("with sign-in on, /_local answers the network only for the user pool's twin (token, jwks)", async () => {
  const network = `http://${nonLoopbackAddress()}:${t.system.port}`;
  for (const path of [
    "/_local/console",
    "/_local/overview",
    "/_local/orders",
    "/_local/events",
    "/_local/emails",
  ]) {
    const reply = await fetch(`${network}${path}`);
    expect(reply.status).toBe(403);
    expect(await reply.json()).toMatchObject({ error: { code: "LOCAL_ONLY" } });
  }
  expect((await fetch(`${network}/_local/jwks`)).status).toBe(200);
  expect((await fetch(`${network}/products`)).status).toBe(200);
  // The same endpoint on loopback.
  expect((await fetch(`${t.system.url}/_local/overview`)).status).toBe(200);
});
