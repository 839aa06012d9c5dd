/**
 * OrderPlacementLambda: the API function. Serves POST /orders (and the root method), plus the two
 * read-only routes GET /orders/{orderId} and GET /products, which need only reads of the same tables
 * and so share this function's role rather than adding an eighth function.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { SqsOrderQueue } from "../shared/adapters/sqs-order-queue";
import { dynamoDbInventoryStore, dynamoDbOrderStore } from "../shared/adapters/dynamodb-stores";
import { errorResponse, header, jsonResponse } from "../shared/http";
import { canonicalHash, newIdempotencyKey, orderIdForKey, ORDER_ID_PATTERN } from "../shared/ids";
import { orderView, productView, type OrderRecord } from "../shared/order";
import {
  ORDER_LIMITS,
  parsePlaceOrderBody,
  placeOrderFromQuery,
  type ParseResult,
  type PlaceOrderRequest,
} from "../shared/order-request";
import type { InventoryStore, OrderQueue, OrderStore } from "../shared/ports";
import { API_ROUTES, matchRoute, rootRoute, type ApiOperation, type HttpMethod } from "../shared/routes";
import { createObservability, instrumented } from "../shared/observability";
import { functionConfig } from "../contracts";

export interface OrderPlacementDeps {
  readonly orders: OrderStore;
  readonly inventory: InventoryStore;
  readonly queue: OrderQueue;
}

const observability = createObservability("order-placement");
const config = functionConfig("OrderPlacement");
const { logger, metrics } = observability;

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;

function operationFor(event: APIGatewayProxyEvent): ApiOperation | undefined {
  if (event.resource === "/") return "placeOrder";
  const byResource = API_ROUTES.find(
    (r) => r.resourcePath === event.resource && r.method === event.httpMethod,
  );
  if (byResource) return byResource.operation;
  // Events without a resource template (hand-built ones) are matched by path.
  const match = matchRoute(
    [...API_ROUTES, rootRoute(event.httpMethod as HttpMethod)],
    event.httpMethod,
    event.path,
  );
  return match && "route" in match ? match.route.operation : undefined;
}

function acceptedBody(order: OrderRecord): Record<string, unknown> {
  return { orderId: order.orderId, status: order.status, links: { self: `/orders/${order.orderId}` } };
}

/** A claim older than this belongs to a request that died mid-send (the function times out at 10 s). */
const ENQUEUE_CLAIM_STALE_MS = 30_000;

/** Sends the order to OrdersQueue under a claim already held; false when the send failed. */
async function enqueue(deps: OrderPlacementDeps, orderId: string): Promise<boolean> {
  try {
    await deps.queue.send({ orderId });
  } catch (error) {
    logger.error("Could not send the order to OrdersQueue", { error: error as Error });
    await deps.orders.releaseEnqueue(orderId).catch(() => undefined);
    return false;
  }
  await deps.orders.markEnqueued(orderId, new Date().toISOString());
  return true;
}

function queueUnavailable(orderId: string, idempotencyKey: string): APIGatewayProxyResult {
  return errorResponse(
    503,
    "ORDER_NOT_QUEUED",
    "The order was saved but could not be queued. Retry the same request with the same Idempotency-Key.",
    { orderId, idempotencyKey },
    { "Retry-After": "1", "Idempotency-Key": idempotencyKey },
  );
}

/** The request's order, or the 4xx response that rejects it. */
function parseRequest(
  event: APIGatewayProxyEvent,
): { request: PlaceOrderRequest } | { rejected: APIGatewayProxyResult } {
  if (event.httpMethod === "GET") return parsedOrRejected(placeOrderFromQuery(event.queryStringParameters));
  const contentType = header(event.headers, "Content-Type");
  if (contentType !== undefined && !/^application\/json\b/i.test(contentType)) {
    return { rejected: errorResponse(415, "UNSUPPORTED_MEDIA_TYPE", "Send the order as application/json.") };
  }
  const body =
    event.isBase64Encoded && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  return parsedOrRejected(parsePlaceOrderBody(body));
}

function parsedOrRejected(
  parsed: ParseResult,
): { request: PlaceOrderRequest } | { rejected: APIGatewayProxyResult } {
  if (parsed.ok) return { request: parsed.value };
  metrics.addMetric("OrdersRejected", MetricUnit.Count, 1);
  const details = parsed.issues.length > 0 ? parsed.issues : null;
  return { rejected: errorResponse(400, parsed.code, parsed.message, details) };
}

function invalidKey(suppliedKey: string | undefined): APIGatewayProxyResult | undefined {
  if (
    suppliedKey === undefined ||
    (suppliedKey.length <= ORDER_LIMITS.maxIdempotencyKeyLength && IDEMPOTENCY_KEY_PATTERN.test(suppliedKey))
  ) {
    return undefined;
  }
  return errorResponse(
    400,
    "INVALID_IDEMPOTENCY_KEY",
    `Idempotency-Key must be 1-${ORDER_LIMITS.maxIdempotencyKeyLength} printable ASCII characters without spaces.`,
  );
}

/** A new PENDING order; the creating request holds the claim to send it to the queue. */
function pendingOrder(request: PlaceOrderRequest, idempotencyKey: string): OrderRecord {
  const now = new Date().toISOString();
  return {
    orderId: orderIdForKey(idempotencyKey),
    status: "PENDING",
    customerEmail: request.customerEmail,
    items: request.items,
    paymentToken: request.paymentToken,
    // Items in a canonical order: the same order listed differently is the same request.
    requestHash: canonicalHash({
      ...request,
      items: [...request.items].sort((a, b) => a.productId.localeCompare(b.productId)),
    }),
    idempotencyKey,
    createdAt: now,
    updatedAt: now,
    enqueueClaimedAt: now,
  };
}

/** The same key again: the first order, re-sent to the queue if no earlier request managed to. */
async function replay(
  deps: OrderPlacementDeps,
  order: OrderRecord,
  existing: OrderRecord,
  headers: Record<string, string>,
) {
  const { orderId } = order;
  if (existing.requestHash !== order.requestHash) {
    return errorResponse(
      409,
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was already used for a different order. Use a new key for a new order.",
      { orderId },
    );
  }
  logger.info("Replayed order request", { status: existing.status });
  if (!existing.enqueuedAt) {
    const staleBefore = new Date(Date.now() - ENQUEUE_CLAIM_STALE_MS).toISOString();
    // Only one replay re-sends; the others see the claim and answer with the same order.
    if (
      (await deps.orders.claimEnqueue(orderId, new Date().toISOString(), staleBefore)) &&
      !(await enqueue(deps, orderId))
    ) {
      return queueUnavailable(orderId, order.idempotencyKey!);
    }
  }
  return jsonResponse(200, acceptedBody(existing), { ...headers, "Idempotent-Replayed": "true" });
}

async function placeOrder(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const suppliedKey = header(event.headers, "Idempotency-Key");
  const keyRejected = invalidKey(suppliedKey);
  if (keyRejected) return keyRejected;
  const parsed = parseRequest(event);
  if ("rejected" in parsed) return parsed.rejected;
  const idempotencyKey = suppliedKey ?? newIdempotencyKey();
  const order = pendingOrder(parsed.request, idempotencyKey);
  const { orderId } = order;
  logger.appendKeys({ orderId });
  const created = await deps.orders.createPending(order);
  const keyHeader = { "Idempotency-Key": idempotencyKey, Location: `/orders/${orderId}` };
  if (!created.created) return replay(deps, order, created.existing, keyHeader);
  logger.info("Order placed", { items: order.items.length });
  metrics.addMetric("OrdersPlaced", MetricUnit.Count, 1);
  if (!(await enqueue(deps, orderId))) return queueUnavailable(orderId, idempotencyKey);
  return jsonResponse(202, acceptedBody(order), keyHeader);
}

async function getOrder(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const orderId = event.pathParameters?.orderId ?? "";
  const order = ORDER_ID_PATTERN.test(orderId) ? await deps.orders.get(orderId) : undefined;
  if (!order) return errorResponse(404, "ORDER_NOT_FOUND", `No order with id ${orderId}.`);
  return jsonResponse(200, orderView(order));
}

async function listProducts(deps: OrderPlacementDeps): Promise<APIGatewayProxyResult> {
  const products = await deps.inventory.listProducts();
  return jsonResponse(200, { products: products.map(productView) });
}

export function createHandler(overrides: Partial<OrderPlacementDeps> = {}) {
  const deps: OrderPlacementDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    inventory: overrides.inventory ?? dynamoDbInventoryStore(config),
    queue: overrides.queue ?? new SqsOrderQueue(new SQSClient({ maxAttempts: 3 }), config.ordersQueueUrl),
  };
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    instrumented(observability, context, async () => {
      try {
        switch (operationFor(event)) {
          case "placeOrder":
            return await placeOrder(deps, event);
          case "getOrder":
            return await getOrder(deps, event);
          case "listProducts":
            return await listProducts(deps);
          default:
            return errorResponse(404, "ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${event.path}.`);
        }
      } catch (error) {
        // A fault of ours or of AWS, never of the client: log it, answer without internals.
        logger.error("Unhandled error", { error: error as Error });
        return errorResponse(500, "INTERNAL_ERROR", "The order service failed unexpectedly. Please retry.");
      }
    });
}

export const handler = createHandler();
