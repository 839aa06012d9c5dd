/**
 * The price of each quantity the meter counts: us-east-1, on demand, free tier ignored. Each price
 * names the AWS pricing page it comes from and the day it was read; prices change, so check the
 * page before you budget with them.
 */
import type { MeteredService } from "../../local/meter/meter";

export interface Price {
  readonly service: MeteredService;
  /** The meter's quantity this price applies to (`requests`, `gbSeconds`, `writeUnits`, …). */
  readonly quantity: string;
  /** US dollars per `per` units of the quantity. */
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly read: string;
}

const READ = "2026-11-25";

export const PRICES: readonly Price[] = [
  {
    service: "API Gateway",
    quantity: "requests",
    usd: 3.5,
    per: 1e6,
    unit: "REST API requests (first 333 million a month)",
    source: "Amazon API Gateway pricing",
    read: READ,
  },
  {
    service: "Lambda",
    quantity: "requests",
    usd: 0.2,
    per: 1e6,
    unit: "requests",
    source: "AWS Lambda pricing",
    read: READ,
  },
  {
    service: "Lambda",
    quantity: "gbSeconds",
    usd: 0.0000133334,
    per: 1,
    unit: "GB-second, Arm (first 7.5 billion a month)",
    source: "AWS Lambda pricing",
    read: READ,
  },
  {
    service: "Step Functions",
    quantity: "transitions",
    usd: 0.025,
    per: 1000,
    unit: "Standard state transitions",
    source: "AWS Step Functions pricing",
    read: READ,
  },
  {
    service: "Step Functions",
    quantity: "requests",
    usd: 1.0,
    per: 1e6,
    unit: "Express requests",
    source: "AWS Step Functions pricing",
    read: READ,
  },
  {
    service: "Step Functions",
    quantity: "gbSeconds",
    usd: 0.00001667,
    per: 1,
    unit: "Express GB-second (first 1,000 GB-hours)",
    source: "AWS Step Functions pricing",
    read: READ,
  },
  {
    service: "DynamoDB",
    quantity: "writeUnits",
    usd: 0.625,
    per: 1e6,
    unit: "on-demand write request units",
    source: "Amazon DynamoDB pricing for on-demand capacity",
    read: READ,
  },
  {
    service: "DynamoDB",
    quantity: "readUnits",
    usd: 0.125,
    per: 1e6,
    unit: "on-demand read request units",
    source: "Amazon DynamoDB pricing for on-demand capacity",
    read: READ,
  },
  {
    service: "SQS",
    quantity: "requests",
    usd: 0.4,
    per: 1e6,
    unit: "standard queue requests (64 KB chunks)",
    source: "Amazon SQS pricing",
    read: READ,
  },
  {
    service: "SNS",
    quantity: "requests",
    usd: 0.5,
    per: 1e6,
    unit: "standard topic publishes (64 KB chunks)",
    source: "Amazon SNS pricing",
    read: READ,
  },
  {
    service: "SNS",
    quantity: "emailDeliveries",
    usd: 2.0,
    per: 1e5,
    unit: "e-mail notifications",
    source: "Amazon SNS pricing",
    read: READ,
  },
  {
    service: "SES",
    quantity: "emails",
    usd: 0.1,
    per: 1000,
    unit: "outbound e-mails",
    source: "Amazon SES pricing",
    read: READ,
  },
  {
    service: "EventBridge",
    quantity: "events",
    usd: 1.0,
    per: 1e6,
    unit: "custom events published (64 KB chunks)",
    source: "Amazon EventBridge pricing",
    read: READ,
  },
  {
    service: "EventBridge",
    quantity: "serviceEvents",
    usd: 0,
    per: 1e6,
    unit: "AWS service events on the default bus (free)",
    source: "Amazon EventBridge pricing",
    read: READ,
  },
  {
    service: "EventBridge",
    quantity: "invocations",
    usd: 0.2,
    per: 1e6,
    unit: "API destination invocations (order event subscriptions)",
    source: "Amazon EventBridge pricing",
    read: READ,
  },
  {
    service: "EventBridge",
    quantity: "archivedBytes",
    usd: 0.1,
    per: 2 ** 30,
    unit: "GB of events processed into the order event archive (storage, $0.023 per GB-month, not per order)",
    source: "Amazon EventBridge pricing",
    read: READ,
  },
  {
    service: "EventBridge Pipes",
    quantity: "requests",
    usd: 0.4,
    per: 1e6,
    unit: "requests after filtering (64 KB chunks)",
    source: "Amazon EventBridge pricing",
    read: READ,
  },
  {
    service: "CloudWatch Logs",
    quantity: "bytes",
    usd: 0.5,
    per: 2 ** 30,
    unit: "GB ingested (standard and vended logs, first tier)",
    source: "Amazon CloudWatch pricing",
    read: READ,
  },
  {
    service: "KMS",
    quantity: "requests",
    usd: 0.03,
    per: 10_000,
    unit: "requests",
    source: "AWS Key Management Service pricing",
    read: READ,
  },
];

/** Dollars per 1 million orders for each service, from a meter's averages per order. */
export function costPerMillionOrders(
  perOrder: Record<string, Record<string, number>>,
): Record<string, number> {
  const costs: Record<string, number> = {};
  for (const [service, quantities] of Object.entries(perOrder)) {
    for (const price of PRICES.filter((p) => p.service === service)) {
      const amount = quantities[price.quantity] ?? 0;
      costs[service] = (costs[service] ?? 0) + (amount * 1e6 * price.usd) / price.per;
    }
  }
  return costs;
}

/** Quantities the meter reports that no price covers: a price table that misses one fails loudly. */
export function unpricedQuantities(perOrder: Record<string, Record<string, number>>): string[] {
  return Object.entries(perOrder).flatMap(([service, quantities]) =>
    Object.keys(quantities)
      .filter((q) => q !== "calls" && q !== "durationMs")
      .filter((q) => !PRICES.some((p) => p.service === service && p.quantity === q))
      .map((q) => `${service}.${q}`),
  );
}
