/**
 * Returns: the customer asks (`POST /orders/{orderId}/returns`), staff receive what came back
 * (`…/returns/{returnId}/receipt`: restock, refund at the prices charged, once per receipt) or reject
 * the return (`…/returns/{returnId}/rejection`). What may be asked or received is decided by
 * returns/return.ts; each change is one conditional write of the order (a receipt's with its stock
 * and its refund set aside), retried from a fresh read when another change won; the refund is then
 * made through the refund ledger under the receipt's own key, and the customer e-mailed once.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod/mini";
import { customerOf, mayActOn, staffOf } from "../customers/customer";
import {
  checkedReason,
  errorResponse,
  bodyMatching,
  jsonResponse,
  requiredIdempotencyKey,
  shortened,
} from "../platform/http";
import { ORDER_ID_PATTERN } from "../platform/ids";
import { toMajorUnits } from "../platform/money";
import { ORDER_LIMITS, PRODUCT_ID_PATTERN } from "../orders/order-request";
import { orderView, type OrderRecord } from "../orders/order";
import { refund } from "../payments/refunds";
import type { RefundAsked } from "../payments/ports";
import {
  planReceipt,
  receiptIdOf,
  receiptRefundKeyOf,
  rejectionRefusal,
  returnIdOf,
  returnRequestRefusal,
} from "../returns/return";
import {
  returnsView,
  type ReceiptLine,
  type ReturnLine,
  type ReturnReceipt,
  type ReturnRecord,
} from "../orders/order-returns";
import { emailOnce, observability, type AfterSaleDeps } from "./deps";
import { providerFailure } from "./refunds";
import type { ReturnStore } from "../returns/ports";
import { dynamoDbReturns } from "../returns/adapters/dynamodb-returns";
import { AFTER_SALE_CONFIG, functionConfig } from "../platform/config";

/** The handler's logger and metrics (this module is loaded at first use, in a bundle of its own). */
const logOf = (deps: AfterSaleDeps) => deps.observability ?? observability;

let defaultStore: ReturnStore | undefined;
/** The deployed store, built once per execution environment with the first return request. */
const storeOf = (deps: AfterSaleDeps): ReturnStore =>
  deps.returns ?? (defaultStore ??= dynamoDbReturns(functionConfig("AfterSale", AFTER_SALE_CONFIG)));

/** How often a change that lost a race to another change of the order's returns reads it again. */
const RETURN_CHANGE_ATTEMPTS = 5;
const RETURN_ID_PATTERN = /^ret_[0-9a-f]{20}$/;

const line = {
  productId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(PRODUCT_ID_PATTERN)),
  quantity: z.int().check(z.gte(1), z.lte(ORDER_LIMITS.maxQuantity)),
};
const linesOf = <T extends z.ZodMiniType>(item: T) =>
  z.array(item).check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxDistinctProducts));
const requestSchema = z.strictObject({ items: linesOf(z.strictObject(line)), reason: z.string() });
const receiptSchema = z.strictObject({
  items: linesOf(z.strictObject({ ...line, restock: z.boolean() })),
});
const rejectionSchema = z.strictObject({ reason: z.string() });

const ITEMS_HELP = `1 to ${ORDER_LIMITS.maxDistinctProducts} items, each a productId of the order once, with a quantity from 1 to ${ORDER_LIMITS.maxQuantity}`;

function distinct<T extends ReturnLine>(items: readonly T[]): T[] | APIGatewayProxyResult {
  const ids = new Set(items.map((i) => i.productId));
  return ids.size === items.length
    ? [...items]
    : errorResponse("DUPLICATE_PRODUCT", "List each productId once, with its whole quantity.");
}

function idsOf(event: APIGatewayProxyEvent): { orderId: string; returnId: string } | APIGatewayProxyResult {
  const orderId = event.pathParameters?.orderId ?? "";
  if (!ORDER_ID_PATTERN.test(orderId)) {
    return errorResponse("ORDER_NOT_FOUND", `No order with id ${shortened(orderId)}.`);
  }
  const returnId = event.pathParameters?.returnId ?? "";
  if (returnId !== "" && !RETURN_ID_PATTERN.test(returnId)) {
    return errorResponse("RETURN_NOT_FOUND", `Order ${orderId} has no return ${shortened(returnId)}.`);
  }
  return { orderId, returnId };
}

const sameLines = (a: readonly ReturnLine[], b: readonly ReturnLine[]) =>
  JSON.stringify(a) === JSON.stringify(b);

function returnAnswer(
  order: OrderRecord,
  returnId: string,
  status: number,
  extra: Record<string, unknown> = {},
): APIGatewayProxyResult {
  const view = orderView(order) as { status: string; paymentStatus?: string; refundedTotal?: number };
  return jsonResponse(
    status,
    {
      orderId: order.orderId,
      return: returnsView(order).find((r) => r.returnId === returnId) ?? null,
      ...extra,
      orderStatus: view.status,
      paymentStatus: view.paymentStatus ?? null,
      refundedTotal: view.refundedTotal ?? 0,
    },
    status === 200 ? { "Idempotent-Replayed": "true" } : {},
  );
}

const notFound = (orderId: string) => errorResponse("ORDER_NOT_FOUND", `No order with id ${orderId}.`);
const keyReused = (what: string) =>
  errorResponse(
    "IDEMPOTENCY_KEY_REUSED",
    `This Idempotency-Key was used for another ${what}. Use a new key for a new one.`,
  );

/** `POST /orders/{orderId}/returns {"items":[{productId, quantity}], "reason"}`: the owner asks. */
export async function requestReturn(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const { logger, metrics } = logOf(deps);
  const caller = customerOf(event);
  const ids = idsOf(event);
  if ("statusCode" in ids) return ids;
  const key = requiredIdempotencyKey(event.headers, "A return");
  if (typeof key !== "string") return key;
  const body = bodyMatching(
    event.body,
    requestSchema,
    '{"items": [{"productId": "…", "quantity": 1}], "reason": "…"}',
    `Send {"items": […], "reason": "…"}: ${ITEMS_HELP}, and nothing else.`,
  );
  if ("statusCode" in body) return body;
  const items = distinct(body.data.items);
  if ("statusCode" in items) return items;
  const reason = checkedReason(body.data.reason, true);
  if (typeof reason !== "string") return reason;
  const { orderId } = ids;
  const returnId = returnIdOf(orderId, key);
  logger.appendKeys({ orderId, returnId });
  for (let attempt = 1; attempt <= RETURN_CHANGE_ATTEMPTS; attempt++) {
    const order = await storeOf(deps).get(orderId);
    // Another customer's order is not theirs to see: the same 404 as no order at all.
    if (!order || !mayActOn(caller, order)) return notFound(orderId);
    const earlier = order.returns?.find((r) => r.returnId === returnId);
    if (earlier) {
      if (!sameLines(earlier.items, items) || earlier.reason !== reason)
        return keyReused("return of this order");
      await emailOnce(deps, order, { kind: "returnRequested", returnId });
      return returnAnswer(order, returnId, 200);
    }
    const now = deps.now?.() ?? new Date();
    const refusal = returnRequestRefusal(order, items, now, deps.returnWindowDays);
    if (refusal) {
      return errorResponse(
        refusal.code,
        refusal.message,
        "returnable" in refusal ? { returnable: refusal.returnable } : null,
      );
    }
    const requested: ReturnRecord = {
      returnId,
      status: "REQUESTED",
      items,
      reason,
      requestedAt: now.toISOString(),
      requestedBy: caller?.customerId ?? "anonymous",
    };
    const written = await storeOf(deps).request(order, requested);
    if (written.kind === "changed") continue;
    logger.info("Return requested", { units: items.reduce((sum, i) => sum + i.quantity, 0) });
    metrics.addMetric("ReturnsRequested", MetricUnit.Count, 1);
    await emailOnce(deps, written.order, { kind: "returnRequested", returnId });
    return returnAnswer(written.order, returnId, 201);
  }
  throw new Error(`The returns of order ${orderId} kept changing; retry with the same Idempotency-Key.`);
}

/** The refund of a receipt as the ledger records it: the same for every retry of the receipt. */
function receiptRefundAsked(returnId: string, receipt: ReturnReceipt): RefundAsked {
  return {
    amountMinor: receipt.refundMinor,
    reason: `Return ${returnId} received`,
    by: receipt.by,
    at: receipt.at,
    receiptId: receipt.receiptId,
  };
}

/**
 * A recorded receipt's refund made (once: under the receipt's key, and only while the order does
 * not record it) and its e-mail sent; the answer, or the provider's failure (the receipt stands: the
 * same request again finishes it).
 */
async function finishReceipt(
  deps: AfterSaleDeps,
  order: OrderRecord,
  returnId: string,
  receipt: ReturnReceipt,
  status: 200 | 201,
): Promise<APIGatewayProxyResult> {
  const { logger } = logOf(deps);
  let latest = order;
  const refunded = () => latest.refunds?.some((r) => r.receiptId === receipt.receiptId) ?? false;
  if (receipt.refundMinor > 0 && !refunded()) {
    const outcome = await refund(
      deps,
      logOf(deps),
      order.orderId,
      receiptRefundKeyOf(receipt.receiptId),
      receiptRefundAsked(returnId, receipt),
      ["SHIPPED", "RETURNED"],
    );
    switch (outcome.kind) {
      case "refunded":
      case "replayed":
        latest = outcome.order;
        break;
      case "provider-unavailable":
      case "provider-refused":
        return providerFailure(outcome);
      default:
        logger.error("A receipt's refund was refused by the ledger", { kind: outcome.kind });
        throw new Error(
          `The refund of receipt ${receipt.receiptId} was refused by the ledger (${outcome.kind}).`,
        );
    }
  }
  await emailOnce(deps, latest, { kind: "returnReceived", returnId, receiptId: receipt.receiptId });
  return returnAnswer(latest, returnId, status, {
    receipt: {
      receiptId: receipt.receiptId,
      items: receipt.items,
      refund: toMajorUnits(receipt.refundMinor),
      refundId: latest.refunds?.find((r) => r.receiptId === receipt.receiptId)?.refundId ?? null,
    },
  });
}

/** `POST /orders/{orderId}/returns/{returnId}/receipt {"items":[{productId, quantity, restock}]}`: staff. */
export async function receiveReturn(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const { logger, metrics } = logOf(deps);
  const staff = staffOf(event, "receive a return");
  if ("statusCode" in staff) return staff;
  const ids = idsOf(event);
  if ("statusCode" in ids) return ids;
  const key = requiredIdempotencyKey(event.headers, "A receipt");
  if (typeof key !== "string") return key;
  const body = bodyMatching(
    event.body,
    receiptSchema,
    '{"items": [{"productId": "…", "quantity": 1, "restock": true}]}',
    `Send {"items": […]}: ${ITEMS_HELP} and restock true or false, and nothing else.`,
  );
  if ("statusCode" in body) return body;
  const items = distinct<ReceiptLine>(body.data.items);
  if ("statusCode" in items) return items;
  const { orderId, returnId } = ids;
  const receiptId = receiptIdOf(returnId, key);
  logger.appendKeys({ orderId, returnId, receiptId });
  for (let attempt = 1; attempt <= RETURN_CHANGE_ATTEMPTS; attempt++) {
    const order = await storeOf(deps).get(orderId);
    if (!order) return notFound(orderId);
    const earlier = order.returns
      ?.find((r) => r.returnId === returnId)
      ?.receipts?.find((r) => r.receiptId === receiptId);
    if (earlier) {
      if (JSON.stringify(earlier.items) !== JSON.stringify(items)) return keyReused("receipt of this return");
      return finishReceipt(deps, order, returnId, earlier, 200);
    }
    const at = (deps.now?.() ?? new Date()).toISOString();
    const planned = planReceipt(order, returnId, { receiptId, items, by: staff.customerId, at });
    if ("code" in planned) {
      return errorResponse(
        planned.code,
        planned.message,
        "expected" in planned ? { expected: planned.expected } : null,
      );
    }
    const { receipt } = planned;
    const refundAsked =
      receipt.refundMinor > 0
        ? { requestKey: receiptRefundKeyOf(receiptId), asked: receiptRefundAsked(returnId, receipt) }
        : undefined;
    const written = await storeOf(deps).receive(order, planned, refundAsked);
    if (written.kind === "changed") continue;
    logger.info("Return received", {
      status: planned.returned.status,
      refund: receipt.refundMinor,
      restocked: items.filter((i) => i.restock).reduce((sum, i) => sum + i.quantity, 0),
      orderReturned: planned.orderReturned,
    });
    metrics.addMetric("ReturnsReceived", MetricUnit.Count, 1);
    return finishReceipt(deps, written.order, returnId, receipt, 201);
  }
  throw new Error(`The returns of order ${orderId} kept changing; retry with the same Idempotency-Key.`);
}

/** `POST /orders/{orderId}/returns/{returnId}/rejection {"reason"}`: staff, before anything was received. */
export async function rejectReturn(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const { logger, metrics } = logOf(deps);
  const staff = staffOf(event, "reject a return");
  if ("statusCode" in staff) return staff;
  const ids = idsOf(event);
  if ("statusCode" in ids) return ids;
  const body = bodyMatching(
    event.body,
    rejectionSchema,
    '{"reason": "…"}',
    'Send {"reason": "…"}, nothing else.',
  );
  if ("statusCode" in body) return body;
  const reason = checkedReason(body.data.reason, true);
  if (typeof reason !== "string") return reason;
  const { orderId, returnId } = ids;
  logger.appendKeys({ orderId, returnId });
  for (let attempt = 1; attempt <= RETURN_CHANGE_ATTEMPTS; attempt++) {
    const order = await storeOf(deps).get(orderId);
    if (!order) return notFound(orderId);
    const current = order.returns?.find((r) => r.returnId === returnId);
    if (current?.status === "REJECTED" && current.rejection?.reason === reason) {
      await emailOnce(deps, order, { kind: "returnRejected", returnId });
      return returnAnswer(order, returnId, 200);
    }
    const refusal = rejectionRefusal(order, returnId);
    if (refusal) return errorResponse(refusal.code, refusal.message);
    const at = (deps.now?.() ?? new Date()).toISOString();
    const written = await storeOf(deps).reject(order, returnId, { reason, by: staff.customerId, at });
    if (written.kind === "changed") continue;
    logger.info("Return rejected");
    metrics.addMetric("ReturnsRejected", MetricUnit.Count, 1);
    await emailOnce(deps, written.order, { kind: "returnRejected", returnId });
    return returnAnswer(written.order, returnId, 201);
  }
  throw new Error(`The returns of order ${orderId} kept changing; retry the rejection.`);
}
