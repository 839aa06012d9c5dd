/**
 * The returns an order keeps (its `returns`, oldest first), as the order keeps its payment and
 * refunds: the records and their public view. What may be asked, received or rejected is decided
 * by the returns domain (returns/return.ts).
 */
import { toMajorUnits } from "../platform/money";

export const RETURN_STATUSES = ["REQUESTED", "PARTIALLY_RECEIVED", "RECEIVED", "REJECTED"] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export interface ReturnLine {
  readonly productId: string;
  readonly quantity: number;
}

export interface ReceiptLine extends ReturnLine {
  /** The units go back on the shelf (false: damaged, kept out of stock). */
  readonly restock: boolean;
}

/** Units staff took in against a return, and what that refunded. */
export interface ReturnReceipt {
  /** Derived from the return and the staff request's Idempotency-Key. */
  readonly receiptId: string;
  readonly items: readonly ReceiptLine[];
  readonly by: string;
  readonly at: string;
  /** What this receipt refunds (0 when nothing was left to refund). */
  readonly refundMinor: number;
}

export interface ReturnRejection {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
}

/** One return of an order, as the order keeps it (the order's `returns`, oldest first). */
export interface ReturnRecord {
  /** Derived from the order and the customer's Idempotency-Key. */
  readonly returnId: string;
  readonly status: ReturnStatus;
  readonly items: readonly ReturnLine[];
  readonly reason: string;
  readonly requestedAt: string;
  readonly requestedBy: string;
  readonly receipts?: readonly ReturnReceipt[];
  /** When its last unit was received (RECEIVED). */
  readonly receivedAt?: string;
  readonly rejection?: ReturnRejection;
}

/** The public view of an order's returns (GET /orders/{orderId}). */
export function returnsView(order: {
  readonly returns?: readonly ReturnRecord[];
  readonly refunds?: readonly { readonly refundId: string; readonly receiptId?: string }[];
}): Record<string, unknown>[] {
  return (order.returns ?? []).map((r) => {
    const receipts = r.receipts ?? [];
    const refundIds = receipts
      .map((receipt) => order.refunds?.find((refund) => refund.receiptId === receipt.receiptId)?.refundId)
      .filter((id): id is string => id !== undefined);
    return {
      returnId: r.returnId,
      status: r.status,
      items: r.items.map((line) => ({ productId: line.productId, quantity: line.quantity })),
      reason: r.reason,
      requestedAt: r.requestedAt,
      ...(r.receivedAt ? { receivedAt: r.receivedAt } : {}),
      ...(refundIds.length > 0 ? { refundId: refundIds.at(-1) } : {}),
      ...(receipts.length > 0
        ? {
            receipts: receipts.map((receipt) => ({
              receiptId: receipt.receiptId,
              items: receipt.items,
              at: receipt.at,
              refund: toMajorUnits(receipt.refundMinor),
              refundId:
                order.refunds?.find((refund) => refund.receiptId === receipt.receiptId)?.refundId ?? null,
            })),
          }
        : {}),
      ...(r.rejection ? { rejection: { reason: r.rejection.reason, at: r.rejection.at } } : {}),
    };
  });
}
