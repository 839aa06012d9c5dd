/**
 * `npm run cost`: runs a fixed order mix through the local order system in each workflow type
 * (STANDARD, EXPRESS), reads its meter (every call AWS would bill, counted as it was made) and prices
 * it per 1 million orders with the price table in scripts/cost/prices.ts: us-east-1, on demand,
 * free tier ignored.
 * Usage: npm run cost -- [--orders N] (default 200; the mix is kept in proportion)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { MeterReport } from "../local/meter/meter";
import { startLocalOrderSystem } from "../local/order-system";
import { WORKFLOW_TYPES, type WorkflowType } from "../lambdas/workflow/type";
import { costPerMillionOrders, PRICES, unpricedQuantities } from "./cost/prices";

const { values } = parseArgs({ options: { orders: { type: "string" } } });
const ORDERS = Number(values.orders ?? 200);
if (!Number.isInteger(ORDERS) || ORDERS < 20) {
  process.stderr.write("--orders must be a whole number of at least 20 (the mix needs 5 % of it).\n");
  process.exit(2);
}

/** The mix: 90 % confirmed, 5 % declined cards, 5 % out of stock (more than SKU-1012's 3 in stock). */
const MIX = [
  {
    kind: "confirmed",
    share: 0.9,
    body: (i: number) => order("tok_visa", ["SKU-1001", "SKU-1005", "SKU-1008"][i % 3], 1),
  },
  { kind: "declined", share: 0.05, body: () => order("tok_chargeDeclined", "SKU-1007", 1) },
  { kind: "out of stock", share: 0.05, body: () => order("tok_visa", "SKU-1012", 4) },
] as const;

function order(paymentToken: string, productId: string, quantity: number) {
  return { paymentToken, customerEmail: "cost@example.com", items: [{ productId, quantity }] };
}

/** One subscriber of every order event (an API destination's invocations are priced). */
async function subscriber(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end()));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    close: () => server.close(),
  };
}

async function measure(workflowType: WorkflowType): Promise<MeterReport> {
  const receiver = await subscriber();
  const system = await startLocalOrderSystem({
    projectRoot: resolve(__dirname, ".."),
    port: 0,
    apiAuth: "none",
    customerEmails: "on",
    workflowType,
    eventSubscriptions: [{ url: receiver.url, detailTypes: [] }],
  });
  try {
    const bodies = MIX.flatMap((m) =>
      Array.from({ length: Math.round(ORDERS * m.share) }, (_, i) => m.body(i)),
    );
    let next = 0;
    const client = async () => {
      while (next < bodies.length) {
        const response = await fetch(`${system.url}/orders`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(bodies[next++]),
        });
        if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}`);
      }
    };
    await Promise.all(Array.from({ length: 10 }, client));
    await system.settled();
    return system.meter.report();
  } finally {
    await system.stop();
    receiver.close();
  }
}

const dollars = (usd: number) => `$${usd.toFixed(2)}`;

interface Priced {
  readonly report: MeterReport;
  readonly costs: Record<string, number>;
  readonly total: number;
}

async function priced(workflowType: WorkflowType): Promise<Priced> {
  process.stdout.write(`  ${workflowType}: running…\n`);
  const report = await measure(workflowType);
  const missing = unpricedQuantities(report.perOrder);
  if (missing.length > 0)
    throw new Error(`No price for ${missing.join(", ")}: add it to scripts/cost/prices.ts.`);
  const costs = costPerMillionOrders(report.perOrder);
  return { report, costs, total: Object.values(costs).reduce((sum, usd) => sum + usd, 0) };
}

async function main() {
  process.stdout.write(
    `Running ${ORDERS} orders (${MIX.map((m) => `${m.share * 100} % ${m.kind}`).join(", ")}) in each workflow type…\n`,
  );
  const results = new Map<WorkflowType, Priced>();
  for (const type of WORKFLOW_TYPES) results.set(type, await priced(type));
  const standard = results.get("STANDARD")!;
  const services = [...new Set([...results.values()].flatMap((r) => Object.keys(r.costs)))].sort(
    (a, b) => (standard.costs[b] ?? 0) - (standard.costs[a] ?? 0),
  );
  const width = Math.max(...services.map((s) => s.length), 24);
  const row = (label: string, cells: string[]) =>
    `  ${label.padEnd(width)}${cells.map((c) => c.padStart(12)).join("")}\n`;
  process.stdout.write(
    `\nDollars per 1 million orders (${standard.report.orders} orders metered per type)\n`,
  );
  process.stdout.write(row("Service", [...WORKFLOW_TYPES]));
  for (const service of services) {
    process.stdout.write(
      row(
        service,
        WORKFLOW_TYPES.map((t) => dollars(results.get(t)!.costs[service] ?? 0)),
      ),
    );
  }
  process.stdout.write(
    row(
      "Total",
      WORKFLOW_TYPES.map((t) => dollars(results.get(t)!.total)),
    ),
  );
  process.stdout.write(
    row(
      "DynamoDB calls per order",
      WORKFLOW_TYPES.map((t) => String(results.get(t)!.report.perOrder.DynamoDB?.calls ?? 0)),
    ),
  );
  process.stdout.write(
    `\nPrices: us-east-1, on demand, free tier ignored; sources in scripts/cost/prices.ts (read ${PRICES[0].read}).\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
