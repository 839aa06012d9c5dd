/**
 * A customer's return and its rules: what may be asked back (units shipped, less those already
 * asked for in a return that was not rejected), within the window after shipment; what a receipt
 * may take in (never more than the return asked), what it refunds (the units at the prices the order
 * was charged, capped by what is left after earlier refunds) and when the order becomes RETURNED
 * (every shipped unit received). Stores write what these functions decide, conditionally. The
 * records themselves are the order's (orders/order-returns.ts), as its payment and refunds are.
 */
import { createHash } from "node:crypto";
import type { OrderRecord } from "../orders/order";
import type { ReturnLine, ReturnReceipt, ReturnRecord, ReturnStatus } from "../orders/order-returns";

/**
 * Every legal change of a return. A REQUESTED return is received (whole, or in part and later the
 * rest) or rejected; once any unit was received it can no longer be rejected. RECEIVED and REJECTED
 * are final.
 */
export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  REQUESTED: ["PARTIALLY_RECEIVED", "RECEIVED", "REJECTED"],
  PARTIALLY_RECEIVED: ["PARTIALLY_RECEIVED", "RECEIVED"],
  RECEIVED: [],
  REJECTED: [],
};

export function isLegalReturnTransition(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_TRANSITIONS[from].includes(to);
}

/** The longest window a deployment may give customers to ask for a return, in days. */
export const MAX_RETURN_WINDOW_DAYS = 365;
export const DEFAULT_RETURN_WINDOW_DAYS = 30;

/** return_window_days as a function reads it: a whole number of days, 0 (no returns) to 365. */
export function returnWindowSetting(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days > MAX_RETURN_WINDOW_DAYS) {
    throw new Error(
      `The return window (return_window_days) must be a whole number of days from 0 to ${MAX_RETURN_WINDOW_DAYS} (got "${value}").`,
    );
  }
  return days;
}

const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\n")).digest("hex");

/** A return's id: one per order and customer key, so a retried request finds its return. */
export const returnIdOf = (orderId: string, key: string): string =>
  `ret_${digest(orderId, key).slice(0, 20)}`;

/** A receipt's id: one per return and staff key. */
export const receiptIdOf = (returnId: string, key: string): string =>
  `rcp_${digest(returnId, key).slice(0, 20)}`;

/** The refund ledger's key of a receipt's refund: a receipt is refunded once, under its own key. */
export const receiptRefundKeyOf = (receiptId: string): string => `return-${receiptId}`;

function sumByProduct(lines: Iterable<ReturnLine>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { productId, quantity } of lines) sums.set(productId, (sums.get(productId) ?? 0) + quantity);
  return sums;
}

/** Units the order shipped, by product. */
export function shippedUnits(order: OrderRecord): Map<string, number> {
  return sumByProduct(order.lines ?? order.items);
}

/** Units asked back in returns that were not rejected, by product. */
export function askedUnits(order: OrderRecord): Map<string, number> {
  return sumByProduct((order.returns ?? []).filter((r) => r.status !== "REJECTED").flatMap((r) => r.items));
}

/** Units received by one return's receipts (or by all the order's returns), by product. */
export function receivedUnits(returns: readonly ReturnRecord[]): Map<string, number> {
  return sumByProduct(returns.flatMap((r) => (r.receipts ?? []).flatMap((receipt) => receipt.items)));
}

export type ReturnRefusal =
  | {
      readonly code: "RETURNS_DISABLED" | "ORDER_NOT_RETURNABLE" | "RETURN_WINDOW_CLOSED";
      readonly message: string;
    }
  | {
      readonly code: "RETURN_EXCEEDS_ORDER";
      readonly message: string;
      /** Units that may still be asked back, by product. */
      readonly returnable: Record<string, number>;
    }
  | { readonly code: "INVALID_ITEMS"; readonly message: string };

/** The last moment a shipped order can be asked back. */
export function returnDeadline(order: OrderRecord, windowDays: number): Date | undefined {
  const shippedAt = order.shipment?.at;
  return shippedAt ? new Date(Date.parse(shippedAt) + windowDays * 86_400_000) : undefined;
}

/** Why a customer may not ask these units back now, or undefined when they may. */
export function returnRequestRefusal(
  order: OrderRecord,
  lines: readonly ReturnLine[],
  now: Date,
  windowDays: number,
): ReturnRefusal | undefined {
  if (windowDays === 0) {
    return { code: "RETURNS_DISABLED", message: "This store does not take returns." };
  }
  if (order.status !== "SHIPPED") {
    return {
      code: "ORDER_NOT_RETURNABLE",
      message:
        order.status === "RETURNED"
          ? `Every unit of order ${order.orderId} has been returned.`
          : `Order ${order.orderId} is ${order.status}: only a shipped order can be returned.`,
    };
  }
  const deadline = returnDeadline(order, windowDays)!;
  if (now.getTime() > deadline.getTime()) {
    return {
      code: "RETURN_WINDOW_CLOSED",
      message: `Returns of order ${order.orderId} closed on ${deadline.toISOString()} (${windowDays} days after shipment).`,
    };
  }
  const shipped = shippedUnits(order);
  const foreign = lines.find((line) => !shipped.has(line.productId));
  if (foreign) {
    return {
      code: "INVALID_ITEMS",
      message: `Product ${foreign.productId} is not in order ${order.orderId}.`,
    };
  }
  const asked = askedUnits(order);
  const returnable = Object.fromEntries(
    [...shipped].map(([productId, units]) => [productId, units - (asked.get(productId) ?? 0)]),
  );
  const over = [...sumByProduct(lines)].find(([productId, units]) => units > returnable[productId]!);
  if (over) {
    return {
      code: "RETURN_EXCEEDS_ORDER",
      message: `At most ${returnable[over[0]]} unit(s) of ${over[0]} can still be returned on order ${order.orderId}.`,
      returnable,
    };
  }
  return undefined;
}

/** A receipt as decided from the order as read: the return after it, and the order's fate. */
export interface PlannedReceipt {
  readonly receipt: ReturnReceipt;
  readonly returned: ReturnRecord;
  /** Every shipped unit of the order has now been received: the order becomes RETURNED. */
  readonly orderReturned: boolean;
}

export type ReceiptRefusal =
  | { readonly code: "RETURN_NOT_FOUND" | "INVALID_ITEMS"; readonly message: string }
  | { readonly code: "RETURN_NOT_RECEIVABLE"; readonly message: string }
  | {
      readonly code: "RETURN_EXCEEDS_REQUEST";
      readonly message: string;
      /** Units of the return still expected, by product. */
      readonly expected: Record<string, number>;
    };

/** What is left of the order's charge to refund (0 when its payment cannot be refunded). */
export function refundableMinor(order: OrderRecord): number {
  const payment = order.payment;
  if (!payment || (payment.status !== "CHARGED" && payment.status !== "PARTIALLY_REFUNDED")) return 0;
  return Math.max(0, payment.amountMinor - (order.refundedTotal ?? 0));
}

/** The value of returned units at the prices the order was charged. */
export function unitsValueMinor(order: OrderRecord, lines: readonly ReturnLine[]): number {
  const price = new Map((order.lines ?? []).map((line) => [line.productId, line.unitPriceMinor]));
  return lines.reduce((sum, line) => sum + line.quantity * (price.get(line.productId) ?? 0), 0);
}

/** A staff receipt of units against a return, or why it cannot be taken. */
export function planReceipt(
  order: OrderRecord,
  returnId: string,
  receipt: Omit<ReturnReceipt, "refundMinor">,
): PlannedReceipt | ReceiptRefusal {
  const current = order.returns?.find((r) => r.returnId === returnId);
  if (!current)
    return { code: "RETURN_NOT_FOUND", message: `Order ${order.orderId} has no return ${returnId}.` };
  if (current.status === "REJECTED") {
    return {
      code: "RETURN_NOT_RECEIVABLE",
      message: `Return ${returnId} was rejected: nothing can be received on it.`,
    };
  }
  const askedHere = sumByProduct(current.items);
  const foreign = receipt.items.find((line) => !askedHere.has(line.productId));
  if (foreign) {
    return { code: "INVALID_ITEMS", message: `Product ${foreign.productId} is not in return ${returnId}.` };
  }
  const before = receivedUnits([current]);
  const expected = Object.fromEntries(
    [...askedHere].map(([productId, units]) => [productId, units - (before.get(productId) ?? 0)]),
  );
  const over = [...sumByProduct(receipt.items)].find(([productId, units]) => units > expected[productId]!);
  if (over) {
    return {
      code: "RETURN_EXCEEDS_REQUEST",
      message: `Return ${returnId} expects ${expected[over[0]]} more unit(s) of ${over[0]}.`,
      expected,
    };
  }
  if (order.status !== "SHIPPED") {
    return {
      code: "RETURN_NOT_RECEIVABLE",
      message: `Order ${order.orderId} is ${order.status}: nothing more can be received.`,
    };
  }
  const made: ReturnReceipt = {
    ...receipt,
    refundMinor: Math.min(unitsValueMinor(order, receipt.items), refundableMinor(order)),
  };
  const receipts = [...(current.receipts ?? []), made];
  const after = receivedUnits([{ ...current, receipts }]);
  const whole = [...askedHere].every(([productId, units]) => (after.get(productId) ?? 0) >= units);
  const returned: ReturnRecord = {
    ...current,
    status: whole ? "RECEIVED" : "PARTIALLY_RECEIVED",
    receipts,
    ...(whole ? { receivedAt: receipt.at } : {}),
  };
  const returns = (order.returns ?? []).map((r) => (r.returnId === returnId ? returned : r));
  const receivedAll = receivedUnits(returns);
  const orderReturned = [...shippedUnits(order)].every(
    ([productId, units]) => (receivedAll.get(productId) ?? 0) >= units,
  );
  return { receipt: made, returned, orderReturned };
}

/** Why a return cannot be rejected, or undefined when it can. */
export function rejectionRefusal(
  order: OrderRecord,
  returnId: string,
): { readonly code: "RETURN_NOT_FOUND" | "RETURN_NOT_REJECTABLE"; readonly message: string } | undefined {
  const current = order.returns?.find((r) => r.returnId === returnId);
  if (!current)
    return { code: "RETURN_NOT_FOUND", message: `Order ${order.orderId} has no return ${returnId}.` };
  if (!isLegalReturnTransition(current.status, "REJECTED")) {
    return {
      code: "RETURN_NOT_REJECTABLE",
      message: `Return ${returnId} is ${current.status}: only a return with nothing received yet can be rejected.`,
    };
  }
  return undefined;
}
