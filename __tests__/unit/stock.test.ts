/**
 * The stock's rules, in-process: what an adjustment must say (each refusal with its own code), a
 * product's threshold, when a change crosses it (on the way down only, once), the operators'
 * message, a movement as staff read it, and the movements' cursor.
 */
import { bandOf, numberedLog } from "../../lambdas/catalog/adapters/dynamodb-stock-ledger";
import { productChangesOf, newProductOf, stockAdjustmentOf } from "../../lambdas/catalog/product-requests";
import {
  crossesLowStock,
  decodeMovementCursor,
  encodeMovementCursor,
  lowStockNotification,
  movementView,
  notifierAlerts,
  thresholdOf,
  thresholdSetting,
  type StockMovement,
} from "../../lambdas/catalog/stock";

const refusedWith = (result: unknown) => (result as { refused?: string }).refused;

test.each<[string, unknown, string]>([
  ["not an object", "restock", "INVALID_BODY"],
  ["a delta of 0", { delta: 0, reason: "received" }, "INVALID_DELTA"],
  ["a fractional delta", { delta: 2.5, reason: "received" }, "INVALID_DELTA"],
  ["a delta given as text", { delta: "2", reason: "received" }, "INVALID_DELTA"],
  ["no delta", { reason: "received" }, "INVALID_DELTA"],
  ["a delta beyond a million", { delta: 1_000_001, reason: "received" }, "INVALID_DELTA"],
  ["an unknown reason", { delta: 1, reason: "stolen" }, "INVALID_REASON"],
  ["no reason", { delta: 1 }, "INVALID_REASON"],
  ["an unknown field", { delta: 1, reason: "lost", by: "me" }, "UNKNOWN_FIELD"],
  ["an empty note", { delta: 1, reason: "lost", note: "  " }, "INVALID_NOTE"],
  ["a note over 500 characters", { delta: 1, reason: "lost", note: "n".repeat(501) }, "INVALID_NOTE"],
  ["a note with a line break", { delta: 1, reason: "lost", note: "a\nb" }, "INVALID_NOTE"],
])("an adjustment with %s is refused: %s", (_what, body, code) => {
  expect(refusedWith(stockAdjustmentOf(body))).toBe(code);
});

test("an adjustment: a signed whole delta, one of four reasons, a trimmed note when given", () => {
  expect(stockAdjustmentOf({ delta: -3, reason: "damaged", note: " Dropped " })).toEqual({
    delta: -3,
    reason: "damaged",
    note: "Dropped",
  });
  expect(stockAdjustmentOf({ delta: 12, reason: "received" })).toEqual({ delta: 12, reason: "received" });
  for (const reason of ["received", "correction", "damaged", "lost"]) {
    expect(refusedWith(stockAdjustmentOf({ delta: 1, reason }))).toBeUndefined();
  }
});

test("a threshold is a whole number from 0 to a million, on a new product or a change", () => {
  const base = { productId: "A-1", name: "A", price: 1 };
  expect(newProductOf({ ...base, lowStockThreshold: 0 })).toMatchObject({ lowStockThreshold: 0 });
  expect(newProductOf(base)).not.toHaveProperty("lowStockThreshold");
  for (const bad of [-1, 1.5, "3", 1_000_001, null]) {
    expect(refusedWith(newProductOf({ ...base, lowStockThreshold: bad }))).toBe("INVALID_THRESHOLD");
    expect(refusedWith(productChangesOf({ lowStockThreshold: bad }))).toBe("INVALID_THRESHOLD");
  }
  expect(productChangesOf({ lowStockThreshold: 12 })).toEqual({ lowStockThreshold: 12 });
  expect(thresholdOf(undefined, 5)).toBe(5);
  expect(thresholdOf(0, 5)).toBe(0);
  expect(thresholdSetting("7")).toBe(7);
  expect(() => thresholdSetting("-1")).toThrow(/low_stock_threshold/);
  expect(() => thresholdSetting("")).toThrow(/low_stock_threshold/);
});

test.each<[number, number, number, boolean]>([
  [6, 5, 5, true], // to the threshold
  [6, 2, 5, true], // past it in one change
  [5, 4, 5, false], // already at it: told before
  [3, 2, 5, false], // already below
  [2, 9, 5, false], // a restock: up, never told
  [9, 6, 5, false], // still above
  [1, 0, 0, true], // threshold 0: selling out is told
])("from %i to %i with threshold %i crosses: %s", (before, after, threshold, crosses) => {
  expect(crossesLowStock(before, after, threshold)).toBe(crosses);
});

const sale: StockMovement = {
  kind: "sale",
  orderId: "0c6e5b1e-6f0e-4c5a-9a55-000000000001",
  productId: "SKU-1",
  seq: 8,
  delta: -2,
  stockAfter: 4,
  at: "2026-12-07T10:00:00.000Z",
  lowStock: true,
};

test("the operators' message names the product, its stock and threshold, and the change", () => {
  const message = lowStockNotification({
    productId: "SKU-1",
    name: "Mug",
    stock: 4,
    threshold: 5,
    movement: sale,
  });
  expect(message.subject).toBe("Low stock: SKU-1 has 4 left");
  expect(message.message).toContain("Mug (SKU-1) is low on stock: 4 left, threshold 5.");
  expect(message.message).toContain(`sale of 2 for order ${sale.orderId}`);
});

test("a message that cannot be sent is reported, and the others are still sent", async () => {
  const sent: string[] = [];
  const failed: string[] = [];
  const alerts = notifierAlerts(
    {
      publish: async (n) => {
        if (n.subject.includes("SKU-1")) throw new Error("SNS down");
        sent.push(n.subject);
      },
    },
    (low) => failed.push(low.productId),
  );
  await alerts.tell([
    { productId: "SKU-1", name: "A", stock: 1, threshold: 2, movement: sale },
    { productId: "SKU-2", name: "B", stock: 1, threshold: 2, movement: { ...sale, productId: "SKU-2" } },
  ]);
  expect([sent, failed]).toEqual([["Low stock: SKU-2 has 1 left"], ["SKU-1"]]);
});

test("a movement as staff read it: its cause's fields, never the product's key", () => {
  expect(movementView(sale)).toEqual({
    seq: 8,
    kind: "sale",
    delta: -2,
    stockAfter: 4,
    at: sale.at,
    orderId: sale.orderId,
    lowStock: true,
  });
  expect(
    movementView({
      kind: "adjustment",
      adjustmentId: "a-1",
      reason: "received",
      by: "staff-1",
      productId: "SKU-1",
      seq: 1,
      delta: 10,
      stockAfter: 10,
      at: sale.at,
    }),
  ).toEqual({
    seq: 1,
    kind: "adjustment",
    delta: 10,
    stockAfter: 10,
    at: sale.at,
    adjustmentId: "a-1",
    reason: "received",
    by: "staff-1",
  });
});

test("a movements cursor names its product and where the next page starts; any other is refused", () => {
  const cursor = encodeMovementCursor("SKU-1", 21);
  expect(decodeMovementCursor(cursor, "SKU-1")).toBe(21);
  expect(decodeMovementCursor(cursor, "SKU-2")).toBeUndefined();
  expect(decodeMovementCursor("abc", "SKU-1")).toBeUndefined();
  expect(decodeMovementCursor(encodeMovementCursor("SKU-1", 1), "SKU-1")).toBeUndefined();
  expect(decodeMovementCursor("a".repeat(600), "SKU-1")).toBeUndefined();
});

test("a product's log is numbered from any consistent read: after the copied ones, each stock after its change", () => {
  const at = "2026-12-07T10:00:00.000Z";
  const item = {
    ProductID: "SKU-1",
    name: "Mug",
    priceMinor: 100,
    currency: "USD",
    stock: 7,
    flushed: 10,
    log: [
      { kind: "sale" as const, orderId: "o-1", delta: -2, at },
      {
        kind: "adjustment" as const,
        adjustmentId: "a-1",
        reason: "received" as const,
        by: "s",
        delta: 5,
        at,
      },
      { kind: "release" as const, orderId: "o-1", delta: 2, at },
    ],
  };
  expect(numberedLog(item).map((m) => [m.seq, m.kind, m.delta, m.stockAfter])).toEqual([
    [11, "sale", -2, 0],
    [12, "adjustment", 5, 5],
    [13, "release", 2, 7],
  ]);
  expect(numberedLog({ ...item, log: [], flushed: 3 })).toEqual([]);
});

test.each<[number, number, number, string]>([
  [20, 2, 5, "above"],
  [8, 2, 5, "above"], // 8 → 6: still above
  [7, 2, 5, "crossing"], // 7 → 5: to the threshold
  [6, 2, 5, "crossing"],
  [5, 1, 5, "below"],
  [1, 1, 0, "crossing"], // selling out with threshold 0
])("stock %i less %i with threshold %i meets the %s band", (stock, quantity, threshold, band) => {
  expect(bandOf(stock, quantity, threshold)).toBe(band);
});
