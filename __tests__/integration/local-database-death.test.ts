/**
 * The database process dies under load: the runtime says so (health 503), restarts it over the same
 * --data-dir, treats the gap as transient (retried, never a business failure), and afterwards every
 * accepted order is CONFIRMED or FAILED, and no order was announced failed unless its record says so.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(120_000);

const order = (productId: string) => ({ paymentToken: "tok_visa", items: [{ productId, quantity: 1 }] });

test("kill the database under load: health reports it, it comes back, nothing is lost or misannounced", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "order-db-death-"));
  const lines: string[] = [];
  // Workflow retries spread over a few seconds, as the deployed backoff does, so they span a restart.
  const t: TestSystem = await startTestSystem({ dataDir, retryIntervalMs: 1000, log: (l) => lines.push(l) });
  try {
    const initial = await t.stockOf("SKU-1008");
    const keys = Array.from({ length: 30 }, (_, i) => `death-${i}`);
    const placing = keys.map((key) => t.placeOrder(order("SKU-1008"), key).catch(() => undefined));
    // Kill it while workflows are running (after the queue's batching window).
    const running = Date.now() + 10_000;
    while (t.system.workflow.runningCount() < 5 && Date.now() < running)
      await new Promise((r) => setTimeout(r, 5));
    expect(t.system.workflow.runningCount()).toBeGreaterThan(0);
    const firstPid = t.system.databasePid()!;
    process.kill(firstPid, "SIGKILL");

    // Health says so while it is down, then recovers.
    const health = async () => (await fetch(`${t.system.url}/_local/health`)).status;
    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      seen.add(await health());
      if (seen.has(503) && (await health()) === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([...seen].sort()).toEqual([200, 503]);
    expect(t.system.databasePid()).not.toBe(firstPid);
    expect(lines.join("\n")).toMatch(/local DynamoDB process died \(killed by SIGKILL\)/);

    // Clients whose request failed while the database was down retry with the same key.
    const first = await Promise.all(placing);
    for (const [i, reply] of first.entries()) {
      if (reply?.status === 202) continue;
      const retry = await t.placeOrder(order("SKU-1008"), keys[i]);
      expect([200, 202]).toContain(retry.status);
    }
    await t.system.settled();
    const mine = (await t.allOrders()).filter((o) => o.idempotencyKey?.startsWith("death-"));
    expect(mine).toHaveLength(keys.length);
    expect(mine.filter((o) => o.status !== "CONFIRMED" && o.status !== "FAILED")).toEqual([]);
    // A connection error is never a business failure: with plenty of stock, every order is confirmed.
    expect(mine.map((o) => o.status)).toEqual(mine.map(() => "CONFIRMED"));
    const announcedFailed = t.system.notifications
      .list()
      .filter((n) => n.topic === "OrderErrorNotificationTopic")
      .map((n) => /Order (\S+) failed/.exec(n.subject)?.[1]);
    for (const orderId of announcedFailed) {
      expect(mine.find((o) => o.orderId === orderId)?.status ?? "FAILED").toBe("FAILED");
    }
    expect(await t.stockOf("SKU-1008")).toBe(initial - keys.length);
  } finally {
    await t.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
