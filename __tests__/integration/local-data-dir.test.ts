/** `npm start -- --data-dir DIR` keeps orders and stock between runs, and never re-seeds over them. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestSystem } from "../support/local-system";

jest.setTimeout(60_000);

test("orders and stock survive a restart with the same data directory", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "order-data-"));
  try {
    const first = await startTestSystem({ dataDir });
    const placed = await first.placeOrder({
      customerEmail: "buyer@example.com",
      paymentToken: "tok_visa",
      items: [{ productId: "SKU-1012", quantity: 2 }],
    });
    const orderId = String(placed.body.orderId);
    expect((await first.waitForFinalStatus(orderId)).status).toBe("CONFIRMED");
    expect(await first.stockOf("SKU-1012")).toBe(1);
    await first.stop();

    const second = await startTestSystem({ dataDir });
    try {
      expect((await second.getOrder(orderId)).body).toMatchObject({ orderId, status: "CONFIRMED" });
      expect(await second.stockOf("SKU-1012")).toBe(1);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
