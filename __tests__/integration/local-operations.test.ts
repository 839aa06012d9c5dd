/**
 * The operator tools against the local runtime: `npm run redrive -- --url` (POST /_local/redrive)
 * brings dead-lettered orders and confirmations back and each completes once; `npm run smoke --
 * --url` passes on a working system and fails on a broken one; `npm run reconcile-payments -- --url`
 * reports a clean run and a planted mismatch with their exit codes.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, "../..");

/** Runs an npm script's entry (`scripts/<name>.ts`) to its end. */
function runScript(name: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", `scripts/${name}.ts`, ...args], {
    cwd: ROOT,
    stdio: "pipe",
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once("exit", (code) => done({ code, output })));
}

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem();
});
afterAll(() => t.stop());

const good = (productId: string) => ({ paymentToken: "tok_visa", items: [{ productId, quantity: 1 }] });
const confirmationsOf = (orderId: string) =>
  t.system.notifications.list().filter((n) => n.topic === "OrderAlertsTopic" && n.subject.includes(orderId));

describe("npm run redrive -- --url", () => {
  test("an order crashed into the dead-letter queue: shown by --dry-run, moved back, completed once", async () => {
    const key = randomUUID();
    t.failWorkflowStarts(key, 100);
    const orderId = String((await t.placeOrder(good("SKU-1009"), key)).body.orderId);
    await t.system.settled();
    expect(t.system.queue.deadLetterMessages()).toHaveLength(1);

    const dryRun = await runScript("redrive", ["--url", t.system.url, "--queue", "orders", "--dry-run"]);
    expect(dryRun.code).toBe(0);
    expect(dryRun.output).toContain("1 message(s) wait in the local orders dead-letter queue.");
    expect(dryRun.output).toContain(`Orders, for example: ${orderId}`);
    expect(dryRun.output).toContain("Dry run: nothing moved.");
    expect((await t.getOrder(orderId)).body.status).toBe("PENDING");

    t.failWorkflowStarts(key, 0); // the cause is fixed
    const moved = await runScript("redrive", ["--url", t.system.url, "--queue", "orders"]);
    expect(moved.code).toBe(0);
    expect(moved.output).toContain("1 moved back. Orders are idempotent end to end");
    await expect(t.waitForFinalStatus(orderId)).resolves.toMatchObject({ status: "CONFIRMED" });
    await t.system.settled();
    expect(t.system.queue.deadLetterMessages()).toEqual([]);
    expect(t.system.workflow.executionsNamed(orderId)).toHaveLength(1);
    expect(confirmationsOf(orderId)).toHaveLength(1);
  });

  test("a confirmation dead-lettered after every retry: redriven, the order is confirmed and announced once", async () => {
    const key = randomUUID();
    t.failConfirmations(key, 100);
    const orderId = String((await t.placeOrder(good("SKU-1010"), key)).body.orderId);
    await t.system.settled();
    expect(t.system.confirmationDeadLetters()).toHaveLength(1);
    expect(confirmationsOf(orderId)).toHaveLength(0);

    t.failConfirmations(key, 0);
    const response = await fetch(`${t.system.url}/_local/redrive?queue=confirmations`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      queue: "confirmations",
      waiting: 1,
      sample: [orderId],
      moved: 1,
    });
    await t.system.settled();
    expect(t.system.confirmationDeadLetters()).toEqual([]);
    expect((await t.getOrder(orderId)).body.status).toBe("CONFIRMED");
    expect(confirmationsOf(orderId)).toHaveLength(1);
  });

  test("a queue it does not know is refused: 400 locally, exit code 2 from the script", async () => {
    const response = await fetch(`${t.system.url}/_local/redrive?queue=stream`, { method: "POST" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "INVALID_QUEUE" } });
    const script = await runScript("redrive", ["--url", t.system.url, "--queue", "stream"]);
    expect(script.code).toBe(2);
    expect(script.output).toContain("--queue must be one of orders, confirmations");
  });
});

describe("npm run smoke -- --url", () => {
  test("passes against the local runtime, signed in, with each step timed", async () => {
    const token = await t.tokenFor("smoke@example.com");
    const { code, output } = await runScript("smoke", [
      "--url",
      t.system.url,
      "--token",
      token,
      "--timeout",
      "20",
    ]);
    expect(code).toBe(0);
    for (const step of [
      "GET /products",
      "POST /orders (tok_visa)",
      "… until CONFIRMED",
      "POST /orders (declined card)",
      "… until FAILED",
    ]) {
      expect(output).toMatch(new RegExp(`ok\\s+${step.replace(/[().]/g, "\\$&")}\\s+\\d+ ms`));
    }
    expect(output).toMatch(/Passed in \d+\.\d s\./);
  });

  test("signed out against a system with sign-in on: fails with what to give", async () => {
    const { code, output } = await runScript("smoke", ["--url", t.system.url, "--timeout", "5"]);
    expect(code).toBe(1);
    expect(output).toContain(
      "401: sign-in is on. Give a test customer: --token, or --username and --password.",
    );
  });

  describe("against an API whose declined orders are confirmed anyway", () => {
    let broken: Server;
    let url: string;
    beforeAll(async () => {
      // Every order is accepted and CONFIRMED, whatever its card: the smoke test must catch it.
      broken = createServer((req, res) => {
        res.setHeader("Content-Type", "application/json");
        if (req.url === "/products") {
          return res.end(JSON.stringify({ products: [{ productId: "SKU-1", name: "Thing", stock: 9 }] }));
        }
        if (req.method === "POST") {
          res.statusCode = 202;
          return res.end(JSON.stringify({ orderId: randomUUID(), status: "PENDING" }));
        }
        return res.end(JSON.stringify({ status: "CONFIRMED" }));
      });
      await new Promise<void>((r) => broken.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => broken.close(() => r())));

    test("fails with exit code 1 and says which order ended how", async () => {
      const { code, output } = await runScript("smoke", ["--url", url, "--timeout", "5"]);
      expect(code).toBe(1);
      expect(output).toMatch(/ok\s+… until CONFIRMED/);
      expect(output).toMatch(/FAIL … until FAILED\s+\d+ ms\s+order \S+ ended CONFIRMED, expected FAILED/);
      expect(output).toContain("Failed: the deployment does not work end to end.");
    });
  });

  test("bad options are refused with exit code 2", async () => {
    const both = await runScript("smoke", ["--url", "http://x", "--stack", "order-system-dev"]);
    expect(both.code).toBe(2);
    expect(both.output).toContain("Give either --stack or --url.");
    const timeout = await runScript("smoke", ["--url", "http://x", "--timeout", "soon"]);
    expect(timeout.code).toBe(2);
    expect(timeout.output).toContain("--timeout must be a positive number of seconds");
  });
});

describe("npm run reconcile-payments -- --url", () => {
  test("a clean system: exit 0 and no mismatches; a charge the store knows nothing of: exit 3 naming it", async () => {
    const orderId = String((await t.placeOrder(good("SKU-1002"))).body.orderId);
    await t.waitForFinalStatus(orderId);
    await t.system.settled();
    const clean = await runScript("reconcile-payments", ["--url", t.system.url]);
    expect(clean.output).toContain("No mismatches.");
    expect(clean.code).toBe(0);
    t.system.paymentBooks!.plantCharge({
      chargeId: "ch_outside_the_store",
      orderId: "0d6f1c8e-2a4b-4c3d-8e9f-00000000beef",
      amountMinor: 999,
      currency: "USD",
    });
    const found = await runScript("reconcile-payments", ["--url", t.system.url]);
    expect(found.code).toBe(3);
    expect(found.output).toContain(
      "charge-without-order\torder 0d6f1c8e-2a4b-4c3d-8e9f-00000000beef\tpayment ch_outside_the_store",
    );
    const usage = await runScript("reconcile-payments", ["--url", t.system.url, "--stack", "x"]);
    expect(usage.code).toBe(2);
    expect(usage.output).toContain("Give either --stack or --url.");
  });
});
