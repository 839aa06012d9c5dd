/**
 * Orders as the console shows them, read by the runtime itself (around the meter and local IAM: the
 * console is not a customer): the newest orders of the orders table with optional filters, one
 * order's journey fields, and the place-to-terminal figures behind the console's live charts.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { CustomerEmailKind } from "../../lambdas/orders/order";
import {
  emailAttributeOf,
  isInFlight,
  orderView,
  type OrderRecord,
  type OrderStatus,
  type PaymentStatus,
} from "../../lambdas/orders/order";

/** An order for the console: the public view plus who placed it and what it did to payment and stock. */
export type ConsoleOrder = ReturnType<typeof orderView> & {
  readonly orderId: string;
  readonly items: readonly { productId: string; name?: string; quantity: number }[];
  readonly total: number | null;
  readonly currency: string | null;
  readonly failureReason?: string;
  readonly failureCode?: string;
  readonly status: OrderStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly customer: string;
  readonly payment: { status: PaymentStatus; provider?: string; chargeId: string; refundId?: string } | null;
  readonly inventoryReserved: boolean;
  /** Staff refunds (the audit trail), as the order's view lists them. */
  readonly refunds?: readonly { id: string; amount: number; reason: string; by: string; at: string }[];
  readonly cancellation?: { readonly at: string; readonly by: string; readonly reason: string };
  readonly shipment?: { readonly carrier: string; readonly trackingNumber: string; readonly at: string };
  readonly dispute?: {
    readonly status: string;
    readonly reason: string;
    readonly amount: number;
    readonly evidenceDueBy: string | null;
  };
  /** The customer's returns, as the order's view lists them. */
  readonly returns?: readonly ConsoleReturn[];
  readonly emails: Partial<Record<CustomerEmailKind, string>>;
};

export interface ConsoleReturn {
  readonly returnId: string;
  readonly status: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  readonly reason: string;
  readonly requestedAt: string;
  readonly receivedAt?: string;
  readonly refundId?: string;
  readonly receipts?: readonly {
    readonly items: readonly {
      readonly productId: string;
      readonly quantity: number;
      readonly restock: boolean;
    }[];
    readonly refund: number;
  }[];
  readonly rejection?: { readonly reason: string; readonly at: string };
}

/** Never the card token, the request hash or the idempotency key: what a customer's own view shows, and more of the bookkeeping. */
export function consoleOrder(record: OrderRecord): ConsoleOrder {
  const { payment } = record;
  return {
    // orderView builds these fields (its return type is a plain record).
    ...(orderView(record) as Pick<
      ConsoleOrder,
      "items" | "total" | "currency" | "refunds" | "cancellation" | "shipment" | "dispute" | "returns"
    >),
    orderId: record.orderId,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    customer: record.customerEmail,
    payment: payment
      ? {
          status: payment.status,
          provider: payment.provider,
          chargeId: payment.chargeId,
          ...(payment.refundId ? { refundId: payment.refundId } : {}),
        }
      : null,
    inventoryReserved: record.inventoryReserved === true,
    emails: Object.fromEntries(
      (["confirmation", "failure", "cancellation", "shipment"] as const).flatMap((kind) => {
        const email = record[emailAttributeOf(kind)];
        return email ? [[kind, email.status]] : [];
      }),
    ),
  };
}

export function consoleOrderFromItem(item: Record<string, AttributeValue>): ConsoleOrder {
  return consoleOrder(unmarshall(item) as OrderRecord);
}

export interface OrderFilter {
  readonly status?: OrderStatus;
  /** Part of the customer's e-mail address, any case. */
  readonly customer?: string;
  readonly limit: number;
}

export function matchesFilter(order: ConsoleOrder, filter: Omit<OrderFilter, "limit">): boolean {
  return (
    (filter.status === undefined || order.status === filter.status) &&
    (filter.customer === undefined || order.customer.toLowerCase().includes(filter.customer.toLowerCase()))
  );
}

/** The newest `limit` orders that match, newest first; the table is read page by page, never held whole. */
export async function newestOrders(
  client: Pick<DynamoDBClient, "send">,
  table: string,
  filter: OrderFilter,
): Promise<ConsoleOrder[]> {
  let newest: ConsoleOrder[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    const matching = (page.Items ?? []).map(consoleOrderFromItem).filter((o) => matchesFilter(o, filter));
    newest = [...newest, ...matching]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, filter.limit);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return newest;
}

/** How far back the charts reach, in seconds. */
export const CHART_SECONDS = 120;
/** Latency percentiles at each second are over the orders that ended in the window before it. */
export const LATENCY_WINDOW_SECONDS = 30;
/** Orders remembered as counted, so a repeated image of an order is not counted twice. */
const SEEN_ORDERS = 10_000;

export interface ChartSeries {
  /** Epoch seconds, oldest first. */
  readonly t: number[];
  /** Orders accepted (recorded PENDING) in each second. */
  readonly accepted: number[];
  /** Orders that reached CONFIRMED or FAILED in each second. */
  readonly finished: number[];
  /** Place-to-terminal latency (ms) over the preceding LATENCY_WINDOW_SECONDS; null with no order. */
  readonly p50: (number | null)[];
  readonly p95: (number | null)[];
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Orders per second and place-to-terminal latency, from the orders' own timestamps. */
export class OrderMetrics {
  private readonly acceptedAt = new Map<number, number>();
  private readonly finishes: { second: number; latencyMs: number }[] = [];
  private readonly accepted = new Set<string>();
  private readonly finished = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  observe(order: Pick<ConsoleOrder, "orderId" | "status" | "createdAt" | "updatedAt">): void {
    const oldest = Math.floor(this.now() / 1000) - CHART_SECONDS;
    const created = Date.parse(order.createdAt);
    if (!this.accepted.has(order.orderId)) {
      remember(this.accepted, order.orderId);
      const second = Math.floor(created / 1000);
      if (second > oldest) this.acceptedAt.set(second, (this.acceptedAt.get(second) ?? 0) + 1);
    }
    if (!isInFlight(order.status) && !this.finished.has(order.orderId)) {
      remember(this.finished, order.orderId);
      const ended = Date.parse(order.updatedAt);
      const second = Math.floor(ended / 1000);
      if (second > oldest) this.finishes.push({ second, latencyMs: ended - created });
    }
    this.forgetBefore(oldest);
  }

  private forgetBefore(oldest: number): void {
    for (const second of this.acceptedAt.keys()) if (second <= oldest) this.acceptedAt.delete(second);
    while (this.finishes.length > 0 && this.finishes[0].second <= oldest) this.finishes.shift();
  }

  series(): ChartSeries {
    const end = Math.floor(this.now() / 1000);
    this.forgetBefore(end - CHART_SECONDS);
    const out: ChartSeries = { t: [], accepted: [], finished: [], p50: [], p95: [] };
    for (let second = end - CHART_SECONDS + 1; second <= end; second++) {
      const window = this.finishes
        .filter((f) => f.second > second - LATENCY_WINDOW_SECONDS && f.second <= second)
        .map((f) => f.latencyMs)
        .sort((a, b) => a - b);
      out.t.push(second);
      out.accepted.push(this.acceptedAt.get(second) ?? 0);
      out.finished.push(this.finishes.filter((f) => f.second === second).length);
      out.p50.push(percentile(window, 50));
      out.p95.push(percentile(window, 95));
    }
    return out;
  }
}

/** Adds to a bounded set: the oldest entries go first. */
function remember(set: Set<string>, id: string): void {
  set.add(id);
  for (const old of set) {
    if (set.size <= SEEN_ORDERS) break;
    set.delete(old);
  }
}
