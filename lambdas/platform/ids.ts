import { createHash, randomUUID } from "node:crypto";

/**
 * Order ids are random UUIDs (36 characters, DynamoDB's ClientRequestToken limit): an id says
 * nothing about the customer or the key, and cannot be guessed from either.
 */
export function newOrderId(): string {
  return randomUUID();
}

/**
 * The idempotency record's key: the Idempotency-Key scoped to the customer (the same key from two
 * customers names two records); without a customer (api_auth = none) the key alone. Hashed, so a
 * client's key of any shape becomes a fixed-length table key.
 */
export function idempotencyKeyHash(idempotencyKey: string, customerId?: string): string {
  const scope = customerId === undefined ? "anonymous" : `customer:${customerId}`;
  return createHash("sha256").update(`${scope}\n${idempotencyKey}`).digest("hex");
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
