/**
 * The opaque `cursor` of GET /orders: where the previous page of one customer's orders ended. It is
 * base64url JSON of the index position and names the customer it belongs to, so a cursor that was
 * altered, or that belongs to someone else, is refused rather than silently honoured.
 */
import * as z from "zod/mini";
import { ORDER_ID_PATTERN } from "../platform/ids";

/** The position in the customer's-orders index after which the next page starts. */
export interface OrderListPosition {
  readonly orderId: string;
  readonly customerId: string;
  readonly createdAt: string;
}

const positionSchema = z.strictObject({
  v: z.literal(1),
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN)),
  customerId: z.string().check(z.minLength(1), z.maxLength(128)),
  createdAt: z.iso.datetime(),
});

export function encodeCursor(position: OrderListPosition): string {
  const { orderId, customerId, createdAt } = position;
  return Buffer.from(JSON.stringify({ v: 1, orderId, customerId, createdAt })).toString("base64url");
}

export type CursorResult =
  | { readonly ok: true; readonly position: OrderListPosition }
  | { readonly ok: false; readonly reason: "malformed" | "foreign" };

/** Decodes a cursor for `customerId`: malformed or another customer's cursor is refused. */
export function decodeCursor(cursor: string, customerId: string): CursorResult {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return { ok: false, reason: "malformed" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = positionSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.customerId !== customerId) return { ok: false, reason: "foreign" };
  const { orderId, createdAt } = parsed.data;
  return { ok: true, position: { orderId, customerId, createdAt } };
}

/** `?limit=` of GET /orders. */
export const ORDER_LIST_LIMITS = { min: 1, max: 100, default: 20 } as const;
