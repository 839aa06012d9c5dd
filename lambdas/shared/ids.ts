import { createHash, randomUUID } from "node:crypto";

/**
 * Order ids are UUID-shaped (36 characters, DynamoDB's ClientRequestToken limit). An order placed
 * with an Idempotency-Key gets an id derived from the key, so every replay addresses the same item.
 * Keys are scoped to the customer: the same key from two customers names two orders. Without a
 * customer (api_auth = none) the key alone names the order.
 */
export function orderIdForKey(idempotencyKey: string, customerId?: string): string {
  const scope = customerId === undefined ? "" : `customer:${customerId}:`;
  const hex = createHash("sha256").update(`order:${scope}${idempotencyKey}`).digest("hex");
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function newIdempotencyKey(): string {
  return randomUUID();
}

export const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Stable hash of a value: object keys sorted, so the same order hashes the same. */
export function canonicalHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash("sha256")
    .update(JSON.stringify(canonical(value)))
    .digest("hex");
}
