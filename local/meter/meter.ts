/**
 * The meter: every call the local runtime makes that AWS would bill, by service and operation, with
 * the quantities AWS bills it by (requests, capacity units, GB-seconds, state transitions, bytes).
 * GET /_local/meter reports the totals and the averages per order placed; the cost model prices them.
 */

/** The billed quantities of one call, by name (`requests`, `writeUnits`, `gbSeconds`, `bytes`, …). */
export type Quantities = Readonly<Record<string, number>>;

export type MeteredService =
  | "API Gateway"
  | "Lambda"
  | "Step Functions"
  | "DynamoDB"
  | "SQS"
  | "SNS"
  | "SES"
  | "EventBridge"
  | "EventBridge Pipes"
  | "CloudWatch Logs"
  | "KMS";

export interface ServiceReading {
  /** Every quantity summed over the service's operations; `calls` counts the calls. */
  readonly totals: Record<string, number>;
  readonly operations: Record<string, Record<string, number>>;
}

export interface MeterReport {
  /** When counting started (the runtime's start, or the last reset). */
  readonly since: string;
  /** Orders accepted by the API (new orders; replays of an Idempotency-Key are not counted twice). */
  readonly orders: number;
  readonly services: Record<string, ServiceReading>;
  /** Each service's totals divided by `orders` (empty while no order was placed). */
  readonly perOrder: Record<string, Record<string, number>>;
}

const add = (into: Record<string, number>, quantities: Quantities) => {
  for (const [name, value] of Object.entries(quantities)) into[name] = (into[name] ?? 0) + value;
};

const rounded = (value: number) => Math.round(value * 1e6) / 1e6;

export class Meter {
  private readonly readings = new Map<MeteredService, Map<string, Record<string, number>>>();
  private orders = 0;
  private since = new Date();

  /** One billed call of `service`'s `operation` (one `calls` each, plus the quantities given). */
  record(service: MeteredService, operation: string, quantities: Quantities = {}): void {
    let operations = this.readings.get(service);
    if (!operations) this.readings.set(service, (operations = new Map()));
    let reading = operations.get(operation);
    if (!reading) operations.set(operation, (reading = {}));
    add(reading, { calls: 1, ...quantities });
  }

  orderPlaced(): void {
    this.orders++;
  }

  /** Starts counting again (e.g. after start-up work such as seeding the catalog). */
  reset(): void {
    this.readings.clear();
    this.orders = 0;
    this.since = new Date();
  }

  report(): MeterReport {
    const services: Record<string, ServiceReading> = {};
    const perOrder: Record<string, Record<string, number>> = {};
    for (const [service, operations] of [...this.readings].sort(([a], [b]) => a.localeCompare(b))) {
      const totals: Record<string, number> = {};
      for (const reading of operations.values()) add(totals, reading);
      services[service] = {
        totals: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, rounded(v)])),
        operations: Object.fromEntries(
          [...operations].map(([operation, reading]) => [
            operation,
            Object.fromEntries(Object.entries(reading).map(([k, v]) => [k, rounded(v)])),
          ]),
        ),
      };
      if (this.orders > 0) {
        perOrder[service] = Object.fromEntries(
          Object.entries(totals).map(([name, value]) => [name, rounded(value / this.orders)]),
        );
      }
    }
    return { since: this.since.toISOString(), orders: this.orders, services, perOrder };
  }
}

/** SQS, SNS and EventBridge bill a request per 64 KB chunk of payload. */
export const payloadChunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / 65_536));

/** Lambda bills the duration rounded up to the millisecond, times the configured memory. */
export const lambdaGbSeconds = (durationMs: number, memoryMb: number): number =>
  (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);

/** Express workflows bill the duration rounded up to 100 ms, times the memory in 64 MB chunks. */
export const expressGbSeconds = (durationMs: number, memoryMb = 64): number =>
  (Math.max(1, Math.ceil(durationMs / 100)) / 10) * ((Math.ceil(memoryMb / 64) * 64) / 1024);
