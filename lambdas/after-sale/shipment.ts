/**
 * `POST /orders/{orderId}/shipment {"carrier", "trackingNumber"}`, staff only: a CONFIRMED order
 * becomes SHIPPED (from then on it can no longer be cancelled) and its customer is e-mailed the
 * tracking number. The same shipment recorded again answers the same; another one answers 409.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod/mini";
import { staffOf } from "../customers/customer";
import { errorResponse, jsonBodyOf, jsonResponse, shortened } from "../platform/http";
import { ORDER_ID_PATTERN } from "../platform/ids";
import { orderView, type OrderRecord } from "../orders/order";
import { emailOnce, observability, type AfterSaleDeps } from "./deps";

const { logger, metrics } = observability;

/** A carrier's name and its tracking number: printable text a customer can read and type. */
const SHIPMENT_TEXT = /^[\p{L}\p{N}][\p{L}\p{N} .&'/_-]{0,79}$/u;

const shipmentSchema = z.strictObject({ carrier: z.string(), trackingNumber: z.string() });

function parseShipment(
  event: APIGatewayProxyEvent,
): { carrier: string; trackingNumber: string } | APIGatewayProxyResult {
  const sent = jsonBodyOf(event.body, '{"carrier": "…", "trackingNumber": "…"}');
  if ("statusCode" in sent) return sent;
  const body = shipmentSchema.safeParse(sent.json);
  const carrier = body.success ? body.data.carrier.trim() : "";
  const trackingNumber = body.success ? body.data.trackingNumber.trim() : "";
  if (!SHIPMENT_TEXT.test(carrier) || !SHIPMENT_TEXT.test(trackingNumber)) {
    return errorResponse(
      "INVALID_SHIPMENT",
      'Send {"carrier": "…", "trackingNumber": "…"}, each 1 to 80 letters, digits, spaces or . & \' / _ -, nothing else.',
    );
  }
  return { carrier, trackingNumber };
}

function sameShipment(order: OrderRecord, shipment: { carrier: string; trackingNumber: string }): boolean {
  return (
    order.shipment?.carrier === shipment.carrier && order.shipment.trackingNumber === shipment.trackingNumber
  );
}

export async function shipOrder(
  deps: AfterSaleDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const staff = staffOf(event, "record a shipment");
  if ("statusCode" in staff) return staff;
  const orderId = event.pathParameters?.orderId ?? "";
  if (!ORDER_ID_PATTERN.test(orderId))
    return errorResponse("ORDER_NOT_FOUND", `No order with id ${shortened(orderId)}.`);
  const shipment = parseShipment(event);
  if ("statusCode" in shipment) return shipment;
  logger.appendKeys({ orderId });
  const at = (deps.now?.() ?? new Date()).toISOString();
  const change = await deps.changes.ship(orderId, { ...shipment, by: staff.customerId, at });
  if (change.kind === "not-found") return errorResponse("ORDER_NOT_FOUND", `No order with id ${orderId}.`);
  const { order } = change;
  if (change.kind === "unchanged") {
    if (order.status !== "SHIPPED") {
      return errorResponse(
        "ORDER_NOT_SHIPPABLE",
        `Order ${orderId} is ${order.status}: only a confirmed order ships.`,
      );
    }
    if (!sameShipment(order, shipment)) {
      return errorResponse(
        "ORDER_ALREADY_SHIPPED",
        `Order ${orderId} already shipped with ${order.shipment?.carrier ?? "another carrier"} (${order.shipment?.trackingNumber ?? "?"}).`,
      );
    }
  } else {
    logger.info("Order shipped", { carrier: shipment.carrier, by: staff.customerId });
    metrics.addMetric("OrdersShipped", MetricUnit.Count, 1);
  }
  await emailOnce(deps, order, "shipment");
  const latest = (await deps.orders.get(orderId)) ?? order;
  return jsonResponse(
    change.kind === "changed" ? 201 : 200,
    orderView(latest),
    change.kind === "changed" ? {} : { "Idempotent-Replayed": "true" },
  );
}
