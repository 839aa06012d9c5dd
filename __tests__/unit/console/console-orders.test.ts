/** The console's order view, its filters, and the figures behind its live charts. */
import type { OrderRecord } from "../../../lambdas/orders/order";
import {
  CHART_SECONDS,
  consoleOrder,
  matchesFilter,
  OrderMetrics,
  percentile,
} from "../../../local/console/console-orders";

const record: OrderRecord = {
  orderId: "0c5e8d0a-1111-4222-8333-444455556666",
  status: "CONFIRMED",
  customerId: "local-abc",
  customerEmail: "Buyer@Example.com",
  items: [{ productId: "SKU-1001", quantity: 2 }],
  paymentToken: "tok_visa",
  requestHash: "hash",
  idempotencyKey: "key-1",
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:00:01.000Z",
  totalMinor: 3998,
  currency: "USD",
  payment: { status: "CHARGED", provider: "simulated", chargeId: "ch_1", amountMinor: 3998 },
  inventoryReserved: true,
  confirmationEmail: { status: "SENT", claimedAt: "x", messageId: "m", sentAt: "y" },
};

test("the view shows who, what, the charge and the e-mails, never the token or the request's bookkeeping", () => {
  const view = consoleOrder(record);
  expect(view).toMatchObject({
    orderId: record.orderId,
    status: "CONFIRMED",
    customer: "Buyer@Example.com",
    total: 39.98,
    payment: { status: "CHARGED", chargeId: "ch_1" },
    inventoryReserved: true,
    emails: { confirmation: "SENT" },
  });
  expect(JSON.stringify(view)).not.toMatch(/tok_visa|requestHash|"hash"|key-1/);
});

test("filters: status exactly, customer by any part of the address in any case", () => {
  const view = consoleOrder(record);
  expect(matchesFilter(view, {})).toBe(true);
  expect(matchesFilter(view, { status: "CONFIRMED", customer: "buyer@" })).toBe(true);
  expect(matchesFilter(view, { status: "FAILED" })).toBe(false);
  expect(matchesFilter(view, { customer: "someone" })).toBe(false);
});

test("percentile: nearest rank; none without values", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(values, 50)).toBe(50);
  expect(percentile(values, 95)).toBe(95);
  expect(percentile([7], 95)).toBe(7);
  expect(percentile([], 50)).toBeNull();
});

describe("OrderMetrics", () => {
  const start = Date.parse("2026-12-02T10:00:00.000Z");
  let now = start;
  const at = (ms: number) => new Date(start + ms).toISOString();

  test("counts each order once per second it was accepted and finished, with its latency", () => {
    now = start + 5_000;
    const metrics = new OrderMetrics(() => now);
    metrics.observe({ orderId: "a", status: "PENDING", createdAt: at(1_000), updatedAt: at(1_000) });
    metrics.observe({ orderId: "a", status: "PROCESSING", createdAt: at(1_000), updatedAt: at(1_500) });
    metrics.observe({ orderId: "b", status: "PENDING", createdAt: at(1_200), updatedAt: at(1_200) });
    metrics.observe({ orderId: "a", status: "CONFIRMED", createdAt: at(1_000), updatedAt: at(2_900) });
    metrics.observe({ orderId: "a", status: "CONFIRMED", createdAt: at(1_000), updatedAt: at(2_900) });
    metrics.observe({ orderId: "b", status: "FAILED", createdAt: at(1_200), updatedAt: at(4_000) });
    const series = metrics.series();
    expect(series.t).toHaveLength(CHART_SECONDS);
    const second = (ms: number) => series.t.indexOf(Math.floor((start + ms) / 1000));
    expect(series.accepted[second(1_000)]).toBe(2);
    expect(series.accepted.reduce((x, y) => x + y)).toBe(2);
    // Each order ends at its final image's updatedAt, counted once however often it is read.
    expect(series.finished[second(2_000)]).toBe(1);
    expect(series.finished[second(4_000)]).toBe(1);
    expect(series.finished.reduce((x, y) => x + y)).toBe(2);
    expect(series.p50[second(2_000)]).toBe(1_900);
    expect(series.p95[second(4_000)]).toBe(2_800);
    expect(series.p50[second(0)]).toBeNull();
  });

  test("memory stays flat: seconds older than the chart are forgotten", () => {
    now = start;
    const metrics = new OrderMetrics(() => now);
    for (let i = 0; i < 1000; i++) {
      now = start + i * 1000;
      metrics.observe({
        orderId: `o${i}`,
        status: "CONFIRMED",
        createdAt: at(i * 1000),
        updatedAt: at(i * 1000),
      });
    }
    const held = metrics as unknown as { acceptedAt: Map<number, number>; finishes: unknown[] };
    expect(held.acceptedAt.size).toBeLessThanOrEqual(CHART_SECONDS);
    expect(held.finishes.length).toBeLessThanOrEqual(CHART_SECONDS);
    expect(metrics.series().accepted.reduce((a, b) => a + b)).toBe(CHART_SECONDS);
  });
});
