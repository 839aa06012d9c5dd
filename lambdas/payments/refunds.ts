/**
 * Where a refund after the sale is decided: a request (an amount, a reason, who, and a key derived
 * from the client's Idempotency-Key) is set aside on the order by the refund ledger — never more than
 * was charged minus what was refunded, checked by DynamoDB's condition — then made at the provider
 * that charged the order, under that key, and recorded on the order's refund trail. A retried request
 * finds its record and answers the same refund; a refusal by the provider gives the amount back.
 * Staff refunds and the refund of what is left when a confirmed order is cancelled both go this way.
 */
import { createHash } from "node:crypto";
import type { OrderRecord, OrderStatus } from "../orders/order";
import { TransientError, BusinessError } from "../platform/errors";
import type { Observability } from "../platform/observability";
import type { PaymentProvider } from "../platform/payment-providers";
import { gatewayOf, type Gateways } from "./gateways";
import type { RefundAsked, RefundLedger } from "./ports";

export interface RefundDeps {
  readonly refunds: RefundLedger;
  readonly current: PaymentProvider;
  readonly gateways: Gateways;
}

/** What became of a refund request. */
export type RefundOutcome =
  /** Made now (`refunded`) or by an earlier request with the same key (`replayed`): the order as recorded. */
  | { readonly kind: "refunded" | "replayed"; readonly order: OrderRecord; readonly refundId: string }
  /** Not a charged order in one of the allowed statuses (undefined: no such order). */
  | { readonly kind: "not-refundable"; readonly order: OrderRecord | undefined }
  | { readonly kind: "exceeds"; readonly refundableMinor: number }
  /** The key was used for another refund of this order. */
  | { readonly kind: "key-reused" }
  /** The provider did not answer (retry with the same key) or refused; nothing is set aside. */
  | { readonly kind: "provider-unavailable" }
  | { readonly kind: "provider-refused"; readonly why: string };

/** The request's key on this order: a client's key names one refund of one order. */
export const refundRequestKeyOf = (orderId: string, key: string): string =>
  createHash("sha256").update(`${orderId}\n${key}`).digest("hex").slice(0, 32);

/** The provider's refund of a request set aside on the ledger; a failure releases what was set aside. */
export async function refundAtProvider(
  deps: RefundDeps,
  { logger }: Observability,
  order: OrderRecord,
  requestKey: string,
  amountMinor: number,
): Promise<
  | { readonly refundId: string }
  | Extract<RefundOutcome, { kind: "provider-unavailable" | "provider-refused" }>
> {
  const payment = order.payment!;
  try {
    const gateway = gatewayOf(deps, payment.provider ?? "simulated");
    return await gateway.refund({
      orderId: order.orderId,
      chargeId: payment.chargeId,
      amountMinor,
      refundKey: requestKey,
    });
  } catch (error) {
    await deps.refunds.release(order.orderId, requestKey);
    logger.error("The provider did not refund", { error: (error as Error).name });
    if (error instanceof TransientError) return { kind: "provider-unavailable" };
    const why = error instanceof BusinessError || error instanceof Error ? error.message : String(error);
    return { kind: "provider-refused", why };
  }
}

/**
 * One refund request, applied once: set aside on the ledger, made at the provider, recorded.
 * `orderStatuses`: the order statuses it is allowed in (the ledger's default: CONFIRMED or SHIPPED).
 */
export async function refund(
  deps: RefundDeps,
  log: Observability,
  orderId: string,
  requestKey: string,
  asked: RefundAsked,
  orderStatuses?: readonly OrderStatus[],
): Promise<RefundOutcome> {
  const reserved = await deps.refunds.reserve(orderId, requestKey, asked, orderStatuses);
  switch (reserved.kind) {
    case "not-refundable":
      return { kind: "not-refundable", order: reserved.order };
    case "exceeds":
      return { kind: "exceeds", refundableMinor: reserved.refundableMinor };
    case "key-reused":
      return { kind: "key-reused" };
    case "replay":
      if (reserved.refundId) return { kind: "replayed", order: reserved.order, refundId: reserved.refundId };
      break; // the first attempt stopped before the provider answered: ask again, with the same key
  }
  const made = await refundAtProvider(deps, log, reserved.order, requestKey, asked.amountMinor);
  if (!("refundId" in made)) return made;
  const recorded = await deps.refunds.complete(orderId, requestKey, made.refundId);
  return { kind: "refunded", order: recorded, refundId: made.refundId };
}
