/**
 * `POST /orders/{orderId}/refunds`: the staff's request taken apart (the Idempotency-Key, the
 * amount, the reason), the refund asked of payments/refunds.ts (where it is decided: set aside, made
 * at the provider, recorded once), its outcome answered, and the customer e-mailed once.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod/mini";
import { staffOf } from "../customers/customer";
import {
  checkedReason,
  errorResponse,
  bodyMatching,
  jsonResponse,
  requiredIdempotencyKey,
  shortened,
} from "../platform/http";
import { ORDER_ID_PATTERN } from "../platform/ids";
import { minorUnitsOf, toMajorUnits } from "../platform/money";
import { orderView, type OrderRecord } from "../orders/order";
import { refund, refundRequestKeyOf, type RefundOutcome } from "../payments/refunds";
import { emailOnce, observability, type AfterSaleDeps } from "./deps";

const { logger, metrics } = observability;

const refundBodySchema = z.strictObject({
  amount: z.union([z.string(), z.number()]),
  reason: z.string(),
});

type Parsed = { amountMinor: number; reason: string; key: string } | APIGatewayProxyResult;

function parseRefund(event: APIGatewayProxyEvent): Parsed {
  const key = requiredIdempotencyKey(event.headers, "A refund");
  if (typeof key !== "string") return key;
  const body = bodyMatching(
    event.body,
    refundBodySchema,
    '{"amount": "12.50", "reason": "…"}',
    'Send {"amount": "12.50", "reason": "…"}: an amount and a reason, nothing else.',
  );
  if ("statusCode" in body) return body;
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

/** The answer when the provider did not make the refund (nothing stays set aside either way). */
export function providerFailure(
  outcome: Extract<RefundOutcome, { kind: "provider-unavailable" | "provider-refused" }>,
): APIGatewayProxyResult {
  return outcome.kind === "provider-unavailable"
    ? errorResponse(
        "PAYMENT_PROVIDER_UNAVAILABLE",
        "The payment provider did not answer. Retry with the same Idempotency-Key.",
        null,
        { "Retry-After": "5" },
      )
    : errorResponse("REFUND_FAILED", `The payment provider refused the refund: ${outcome.why}`);
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
  const requestKey = refundRequestKeyOf(orderId, key);
  const at = (deps.now?.() ?? new Date()).toISOString();
  logger.appendKeys({ orderId, refundRequest: requestKey });
  const outcome = await refund(deps, observability, orderId, requestKey, {
    amountMinor,
    reason,
    by: staff.customerId,
    at,
  });
  switch (outcome.kind) {
    case "not-refundable":
      return outcome.order
        ? errorResponse(
            "ORDER_NOT_REFUNDABLE",
            `Order ${orderId} is ${outcome.order.status}${outcome.order.payment ? ` with its payment ${outcome.order.payment.status}` : " without a payment"}: only a confirmed, charged order can be refunded.`,
          )
        : errorResponse("ORDER_NOT_FOUND", `No order with id ${orderId}.`);
    case "exceeds":
      return errorResponse(
        "REFUND_EXCEEDS_CHARGE",
        `At most ${toMajorUnits(outcome.refundableMinor).toFixed(2)} can still be refunded on order ${orderId}.`,
        { refundable: toMajorUnits(outcome.refundableMinor) },
      );
    case "key-reused":
      return errorResponse(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used for another refund of this order. Use a new key for a new refund.",
      );
    case "provider-unavailable":
    case "provider-refused":
      return providerFailure(outcome);
    case "replayed":
      // The same request again also sends the refund's e-mail if the first could not (once).
      await emailOnce(deps, outcome.order, { kind: "refund", refundId: outcome.refundId });
      return refunded(outcome.order, outcome.refundId, 200, { "Idempotent-Replayed": "true" });
    case "refunded":
      logger.info("Order refunded", {
        refundId: outcome.refundId,
        amount: toMajorUnits(amountMinor),
        by: staff.customerId,
      });
      metrics.addMetric("StaffRefunds", MetricUnit.Count, 1);
      await emailOnce(deps, outcome.order, { kind: "refund", refundId: outcome.refundId });
      return refunded(outcome.order, outcome.refundId, 201);
  }
}
