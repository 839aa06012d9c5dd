/**
 * `POST /orders/{orderId}/cancel`, by the order's owner or staff. An order on its way is cancelled
 * and its workflow stops without reserving stock; a payment not settled is canceled at the provider
 * and settled money refunded whole (keyed by the order: if the workflow charged meanwhile, it gives
 * the money back under the same key, so once). A CONFIRMED order not yet shipped is refunded what is
 * left of its charge (through the refund ledger, in the audit trail) and its stock released. A
 * SHIPPED one answers 409. Cancelling again settles whatever is left and answers the same.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod/mini";
import { customerOf, isStaff, mayActOn, type Customer } from "../customers/customer";
import { checkedReason, errorResponse, bodyMatching, jsonResponse, shortened } from "../platform/http";
import { ORDER_ID_PATTERN } from "../platform/ids";
import { ORDER_CANCELLED_MESSAGE, orderView, type OrderRecord } from "../orders/order";
import { cancelPayment } from "../payments/settlement";
import { emailOnce, observability, type AfterSaleDeps } from "./deps";
import { refund } from "../payments/refunds";
import { providerFailure } from "./refunds";

const { logger, metrics } = observability;

/** The key of the refund of what is left when a confirmed order is cancelled (one per order). */
export const CANCELLATION_REFUND_KEY = "cancellation";

const cancelBodySchema = z.strictObject({ reason: z.optional(z.string()) });

/** The optional `{"reason": "…"}`; an empty body is a cancellation without one. */
function reasonOf(event: APIGatewayProxyEvent, caller: Customer | undefined): string | APIGatewayProxyResult {
  const fallback = caller && isStaff(caller) ? "Cancelled by the store." : "Cancelled by the customer.";
  if (!event.body?.trim()) return fallback;
  const body = bodyMatching(
    event.body,
    cancelBodySchema,
    'nothing, or {"reason": "…"}',
    'Send nothing, or {"reason": "…"}: nothing else.',
  );
  if ("statusCode" in body) return body;
  const reason = checkedReason(body.data.reason ?? "", false);
  if (typeof reason !== "string") return reason;
  return reason || fallback;
}

function refused(order: OrderRecord): APIGatewayProxyResult {
  return order.status === "SHIPPED" || order.status === "RETURNED"
    ? errorResponse(
        "ORDER_ALREADY_SHIPPED",
        `Order ${order.orderId} has shipped: it can no longer be cancelled. Ask for a return instead (POST /orders/${order.orderId}/returns).`,
      )
    : errorResponse(
        "ORDER_NOT_CANCELLABLE",
        `Order ${order.orderId} is ${order.status}: nothing was taken, so there is nothing to cancel.`,
      );
}

/**
 * Gives back what a cancelled order took, each step idempotent, so a second cancellation (or a retry
 * after a failure) finishes what the first left: the payment, the stock, the waiting workflow step.
 * Undefined when done; the answer for a provider's refusal otherwise (the order stays CANCELLED).
 */
async function settle(deps: AfterSaleDeps, order: OrderRecord): Promise<APIGatewayProxyResult | undefined> {
  const cancellation = order.cancellation!;
  const payment = order.payment;
  if (cancellation.fromStatus !== "CONFIRMED") {
    // Its workflow may still be charging: the same settlement it runs when it finds the order cancelled.
    await cancelPayment(deps, observability, order, ORDER_CANCELLED_MESSAGE);
  } else if (payment && (payment.status === "CHARGED" || payment.status === "PARTIALLY_REFUNDED")) {
    const rest = cancellation.refundMinor ?? 0;
    if (rest > 0) {
      const refund = await refundRest(deps, order, rest);
      if (refund) return refund;
    }
  }
  if (order.inventoryReserved) {
    const released = await deps.inventory.releaseStock(order.orderId, order.items);
    if (released === "released") metrics.addMetric("InventoryReleases", MetricUnit.Count, 1);
  }
  if (order.paymentTaskToken) {
    await deps.callbacks.fail(
      order.paymentTaskToken,
      "OrderCancelled",
      JSON.stringify({ errorType: "OrderCancelled", errorMessage: `Order ${order.orderId} was cancelled.` }),
    );
  }
  return undefined;
}

/** What is left of a confirmed order's charge, refunded through the ledger (in the audit trail). */
async function refundRest(
  deps: AfterSaleDeps,
  order: OrderRecord,
  amountMinor: number,
): Promise<APIGatewayProxyResult | undefined> {
  const { by, at, reason } = order.cancellation!;
  const outcome = await refund(
    deps,
    observability,
    order.orderId,
    CANCELLATION_REFUND_KEY,
    { amountMinor, reason: `Order cancelled: ${reason}`, by, at },
    ["CANCELLED"],
  );
  switch (outcome.kind) {
    case "refunded":
    case "replayed":
      return undefined;
    case "provider-unavailable":
    case "provider-refused":
      return providerFailure(outcome);
    default:
      logger.error("The cancellation's refund could not be set aside", { kind: outcome.kind });
      throw new Error(
        `The refund of cancelled order ${order.orderId} was refused by the ledger (${outcome.kind}).`,
      );
  }
}

export async function cancelOrder(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const caller = customerOf(event);
  const orderId = event.pathParameters?.orderId ?? "";
  const found = ORDER_ID_PATTERN.test(orderId) ? await deps.changes.get(orderId) : undefined;
  // As GET /orders/{orderId}: the owner or staff (anyone with api_auth = none, where orders have no owner).
  if (!found || !mayActOn(caller, found))
    return errorResponse("ORDER_NOT_FOUND", `No order with id ${shortened(orderId)}.`);
  const reason = reasonOf(event, caller);
  if (typeof reason !== "string") return reason;
  logger.appendKeys({ orderId });
  const at = (deps.now?.() ?? new Date()).toISOString();
  const change =
    found.status === "CANCELLED"
      ? ({ kind: "unchanged", order: found } as const)
      : await deps.changes.cancel(orderId, { by: caller?.customerId ?? "anonymous", at, reason });
  if (change.kind === "not-found") return errorResponse("ORDER_NOT_FOUND", `No order with id ${orderId}.`);
  if (change.order.status !== "CANCELLED") return refused(change.order);
  if (change.kind === "changed") {
    logger.info("Order cancelled", {
      fromStatus: change.order.cancellation?.fromStatus,
      by: change.order.cancellation?.by,
    });
    metrics.addMetric("OrdersCancelled", MetricUnit.Count, 1);
  }
  const failed = await settle(deps, change.order);
  if (failed) return failed;
  const settled = (await deps.orders.get(orderId)) ?? change.order;
  await emailOnce(deps, settled, "cancellation");
  return jsonResponse(
    200,
    orderView(settled),
    change.kind === "changed" ? {} : { "Idempotent-Replayed": "true" },
  );
}
