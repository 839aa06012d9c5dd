/**
 * `POST /orders/{orderId}/refunds`: staff refund part or all of a charged order's payment through
 * the payment port, with an Idempotency-Key (a retried request refunds once), never more than was
 * charged minus what was refunded, recorded on the order with who, why and when (the audit trail).
 */
import { createHash } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod/mini";
import { staffOf } from "../customers/customer";
import { BusinessError, TransientError } from "../platform/errors";
import { checkedReason, errorResponse, header, jsonBodyOf, jsonResponse, shortened } from "../platform/http";
import { ORDER_ID_PATTERN } from "../platform/ids";
import { minorUnitsOf, toMajorUnits } from "../platform/money";
import { orderView, type OrderRecord } from "../orders/order";
import { gatewayOf } from "../payments/gateways";
import { emailOnce, observability, type AfterSaleDeps } from "./deps";

const { logger, metrics } = observability;

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

const refundBodySchema = z.strictObject({
  amount: z.union([z.string(), z.number()]),
  reason: z.string(),
});

type Parsed = { amountMinor: number; reason: string; key: string } | APIGatewayProxyResult;

function parseRefund(event: APIGatewayProxyEvent): Parsed {
  const key = header(event.headers, "Idempotency-Key");
  if (!key) {
    return errorResponse(
      "IDEMPOTENCY_KEY_REQUIRED",
      "A refund needs an Idempotency-Key header: a retried request with the same key refunds once.",
    );
  }
  if (!KEY_PATTERN.test(key)) {
    return errorResponse(
      "INVALID_IDEMPOTENCY_KEY",
      "Idempotency-Key must be 1-128 printable ASCII characters without spaces.",
    );
  }
  const sent = jsonBodyOf(event.body, '{"amount": "12.50", "reason": "…"}');
  if ("statusCode" in sent) return sent;
  const body = refundBodySchema.safeParse(sent.json);
  if (!body.success) {
    return errorResponse(
      "INVALID_BODY",
      'Send {"amount": "12.50", "reason": "…"}: an amount and a reason, nothing else.',
    );
  }
  const amountMinor = minorUnitsOf(body.data.amount);
  if (amountMinor === undefined) {
    return errorResponse(
      "INVALID_AMOUNT",
      'amount must be a positive amount with at most two decimals, such as "12.50".',
    );
  }
  const reason = checkedReason(body.data.reason, true);
  if (typeof reason !== "string") return reason;
  return { amountMinor, reason, key };
}

/** The request's key on this order: a key names one refund of one order. */
const requestKeyOf = (orderId: string, key: string) =>
  createHash("sha256").update(`${orderId}\n${key}`).digest("hex").slice(0, 32);

/** The answer: the refund this request made (never another request's), and the order's refunds. */
function refunded(
  order: OrderRecord,
  refundId: string,
  status: number,
  extra: Record<string, string> = {},
): APIGatewayProxyResult {
  const view = orderView(order) as {
    refunds?: { id: string }[];
    refundedTotal?: number;
    paymentStatus?: string;
  };
  return jsonResponse(
    status,
    {
      orderId: order.orderId,
      refund: view.refunds?.find((refund) => refund.id === refundId) ?? null,
      refunds: view.refunds ?? [],
      refundedTotal: view.refundedTotal ?? 0,
      paymentStatus: view.paymentStatus,
    },
    extra,
  );
}

/** The provider's refund, or the answer for its refusal (the amount is released either way). */
export async function refundAtProvider(
  deps: AfterSaleDeps,
  order: OrderRecord,
  requestKey: string,
  amountMinor: number,
): Promise<string | APIGatewayProxyResult> {
  const payment = order.payment!;
  try {
    const gateway = gatewayOf(deps, payment.provider ?? "simulated");
    const { refundId } = await gateway.refund({
      orderId: order.orderId,
      chargeId: payment.chargeId,
      amountMinor,
      refundKey: requestKey,
    });
    return refundId;
  } catch (error) {
    await deps.refunds.release(order.orderId, requestKey);
    logger.error("The provider did not refund", { error: (error as Error).name });
    if (error instanceof TransientError) {
      return errorResponse(
        "PAYMENT_PROVIDER_UNAVAILABLE",
        "The payment provider did not answer. Retry with the same Idempotency-Key.",
        null,
        {
          "Retry-After": "5",
        },
      );
    }
    const why = error instanceof BusinessError || error instanceof Error ? error.message : String(error);
    return errorResponse("REFUND_FAILED", `The payment provider refused the refund: ${why}`);
  }
}

export async function refundOrder(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const staff = staffOf(event, "refund an order");
  if ("statusCode" in staff) return staff;
  const orderId = event.pathParameters?.orderId ?? "";
  if (!ORDER_ID_PATTERN.test(orderId)) {
    return errorResponse("ORDER_NOT_FOUND", `No order with id ${shortened(orderId)}.`);
  }
  const parsed = parseRefund(event);
  if ("statusCode" in parsed) return parsed;
  const { amountMinor, reason, key } = parsed;
  const requestKey = requestKeyOf(orderId, key);
  const at = (deps.now?.() ?? new Date()).toISOString();
  logger.appendKeys({ orderId, refundRequest: requestKey });
  const reserved = await deps.refunds.reserve(orderId, requestKey, {
    amountMinor,
    reason,
    by: staff.customerId,
    at,
  });
  switch (reserved.kind) {
    case "not-refundable":
      return reserved.order
        ? errorResponse(
            "ORDER_NOT_REFUNDABLE",
            `Order ${orderId} is ${reserved.order.status}${reserved.order.payment ? ` with its payment ${reserved.order.payment.status}` : " without a payment"}: only a confirmed, charged order can be refunded.`,
          )
        : errorResponse("ORDER_NOT_FOUND", `No order with id ${orderId}.`);
    case "exceeds":
      return errorResponse(
        "REFUND_EXCEEDS_CHARGE",
        `At most ${toMajorUnits(reserved.refundableMinor).toFixed(2)} can still be refunded on order ${orderId}.`,
        { refundable: toMajorUnits(reserved.refundableMinor) },
      );
    case "key-reused":
      return errorResponse(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used for another refund of this order. Use a new key for a new refund.",
      );
    case "replay":
      if (reserved.refundId) {
        // The same request again also sends the refund's e-mail if the first could not (once).
        await emailOnce(deps, reserved.order, { kind: "refund", refundId: reserved.refundId });
        return refunded(reserved.order, reserved.refundId, 200, { "Idempotent-Replayed": "true" });
      }
      break; // the first attempt stopped before the provider answered: ask again, with the same key
  }
  const order = reserved.order;
  const refundId = await refundAtProvider(deps, order, requestKey, amountMinor);
  if (typeof refundId !== "string") return refundId;
  const recorded = await deps.refunds.complete(orderId, requestKey, refundId);
  logger.info("Order refunded", { refundId, amount: toMajorUnits(amountMinor), by: staff.customerId });
  metrics.addMetric("StaffRefunds", MetricUnit.Count, 1);
  await emailOnce(deps, recorded, { kind: "refund", refundId });
  return refunded(recorded, refundId, 201);
}
