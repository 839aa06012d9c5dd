/**
 * OrderPlacementLambda: the API function. Serves POST /orders (and the root method), plus the
 * read-only routes GET /orders (the caller's orders), GET /orders/{orderId} and GET /products, which
 * need only reads of the same tables and so share this function's role rather than adding an eighth
 * function. Behind the Cognito authorizer, every order belongs to the customer who placed it.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { corsHeaders, parseAllowedOrigins } from "../platform/cors";
import {
  API_AUTH_MODES,
  customerOf,
  mayActOn,
  sameEmail,
  type ApiAuthMode,
  type Customer,
} from "../customers/customer";
import { errorResponse, header, jsonResponse, pageQuery, shortened } from "../platform/http";
import {
  canonicalHash,
  idempotencyKeyHash,
  newIdempotencyKey,
  newOrderId,
  ORDER_ID_PATTERN,
} from "../platform/ids";
import { orderView, type OrderRecord } from "../orders/order";
import { cataloguePage, decodeProductCursor } from "../catalog/catalogue-page";
import { productView } from "../catalog/product";
import { isProductId } from "../catalog/product-requests";
import { decodeCursor, encodeCursor, ORDER_LIST_LIMITS } from "../orders/order-cursor";
import {
  ORDER_LIMITS,
  parsePlaceOrderBody,
  placeOrderFromQuery,
  type ParseResult,
  type PlaceOrderRequest,
} from "../orders/order-request";
import type { InventoryStore } from "../catalog/ports";
import type { OrderStore } from "../orders/ports";
import { routeOfEvent } from "../platform/routes";
import { createObservability, instrumented } from "../platform/observability";
import { functionConfig, ORDER_PLACEMENT_CONFIG } from "../platform/config";

export interface OrderPlacementSettings {
  /** `cognito`: order routes need a signed-in customer; `none`: orders have no owner. */
  readonly apiAuth: ApiAuthMode;
  readonly allowedOrigins: readonly string[];
}

export interface OrderPlacementDeps {
  readonly orders: OrderStore;
  readonly inventory: InventoryStore;
  readonly settings: OrderPlacementSettings;
}

const observability = createObservability("order-placement");
const config = functionConfig("OrderPlacement", ORDER_PLACEMENT_CONFIG);
const { logger, metrics } = observability;

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;

function settingsFromConfig(): OrderPlacementSettings {
  const apiAuth = config.apiAuth as ApiAuthMode;
  if (!API_AUTH_MODES.includes(apiAuth)) {
    throw new Error(
      `OrderPlacement: the apiAuth setting must be one of ${API_AUTH_MODES.join(", ")} (got "${apiAuth}").`,
    );
  }
  return { apiAuth, allowedOrigins: parseAllowedOrigins(config.allowedOrigins) };
}

function acceptedBody(order: OrderRecord): Record<string, unknown> {
  return { orderId: order.orderId, status: order.status, links: { self: `/orders/${order.orderId}` } };
}

/**
 * A PENDING order older than this, replayed, is touched so the table's stream queues it again: the
 * stream and OrdersQueue deliver within seconds, so an order still PENDING after 30 s was lost on
 * the way (a dead-lettered stream record) or is waiting behind a backlog, and a duplicate message
 * costs nothing (executions are named by order id).
 */
const REQUEUE_AFTER_MS = 30_000;

/** The outcome of a write is unknown: retrying with the same key is safe and finds the order if it exists. */
function outcomeUnknown(idempotencyKey: string): APIGatewayProxyResult {
  return errorResponse(
    "ORDER_NOT_CONFIRMED_RECORDED",
    "The order service could not confirm that your order was recorded. Retry the same request with the same Idempotency-Key: it never creates a second order.",
    { idempotencyKey },
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
    return { rejected: errorResponse("UNSUPPORTED_MEDIA_TYPE", "Send the order as application/json.") };
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
  return { rejected: errorResponse(parsed.code, parsed.message, details) };
}

function invalidKey(suppliedKey: string | undefined): APIGatewayProxyResult | undefined {
  if (
    suppliedKey === undefined ||
    (suppliedKey.length <= ORDER_LIMITS.maxIdempotencyKeyLength && IDEMPOTENCY_KEY_PATTERN.test(suppliedKey))
  ) {
    return undefined;
  }
  return errorResponse(
    "INVALID_IDEMPOTENCY_KEY",
    `Idempotency-Key must be 1-${ORDER_LIMITS.maxIdempotencyKeyLength} printable ASCII characters without spaces.`,
  );
}

/**
 * The address the confirmation goes to: a signed-in customer's verified e-mail (a different one in
 * the body is refused), else the body's (api_auth = none).
 */
function customerEmailFor(
  request: PlaceOrderRequest,
  customer: Customer | undefined,
): { email: string } | { rejected: APIGatewayProxyResult } {
  if (customer) {
    if (!customer.email || !customer.emailVerified) {
      return {
        rejected: errorResponse(
          "EMAIL_NOT_VERIFIED",
          "Verify your account's e-mail address before placing orders: the confirmation is sent there.",
        ),
      };
    }
    if (request.customerEmail !== undefined && !sameEmail(request.customerEmail, customer.email)) {
      return {
        rejected: errorResponse(
          "CUSTOMER_EMAIL_MISMATCH",
          "customerEmail differs from the signed-in customer's e-mail address; omit it or send the same address.",
          [
            {
              path: "customerEmail",
              code: "CUSTOMER_EMAIL_MISMATCH",
              message: "Not the signed-in customer's e-mail",
            },
          ],
        ),
      };
    }
    return { email: customer.email };
  }
  if (request.customerEmail === undefined) {
    metrics.addMetric("OrdersRejected", MetricUnit.Count, 1);
    return {
      rejected: errorResponse("MISSING_FIELD", "customerEmail is required", [
        { path: "customerEmail", code: "MISSING_FIELD", message: "customerEmail is required" },
      ]),
    };
  }
  return { email: request.customerEmail };
}

/** A new PENDING order under a random, unguessable id; its key is recorded beside it. */
function pendingOrder(
  request: PlaceOrderRequest,
  customerEmail: string,
  idempotencyKey: string,
  customer: Customer | undefined,
): OrderRecord {
  const now = new Date().toISOString();
  return {
    orderId: newOrderId(),
    status: "PENDING",
    ...(customer ? { customerId: customer.customerId } : {}),
    customerEmail,
    items: request.items,
    paymentToken: request.paymentToken,
    // Items in a canonical order: the same order listed differently is the same request.
    requestHash: canonicalHash({
      ...request,
      customerEmail,
      items: [...request.items].sort((a, b) => a.productId.localeCompare(b.productId)),
    }),
    idempotencyKey,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The same key again: the first order. A PENDING one that has waited too long is touched so the
 * stream queues it again; a failure to do so is logged, never turned into an error for an order
 * that exists.
 */
async function replay(
  deps: OrderPlacementDeps,
  order: OrderRecord,
  existing: OrderRecord,
  idempotencyKey: string,
): Promise<APIGatewayProxyResult> {
  const headers = { "Idempotency-Key": idempotencyKey, Location: `/orders/${existing.orderId}` };
  if (existing.requestHash !== order.requestHash) {
    return errorResponse(
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was already used for a different order. Use a new key for a new order.",
      { orderId: existing.orderId },
      headers,
    );
  }
  logger.appendKeys({ orderId: existing.orderId });
  logger.info("Replayed order request", { status: existing.status });
  if (existing.status === "PENDING") {
    const now = Date.now();
    const staleBefore = new Date(now - REQUEUE_AFTER_MS).toISOString();
    await deps.orders
      .requeue(existing.orderId, new Date(now).toISOString(), staleBefore)
      .then((requeued) => requeued && logger.warn("Stale PENDING order sent to the queue again"))
      .catch((error: unknown) => logger.error("Could not requeue a stale order", { error: error as Error }));
  }
  return jsonResponse(200, acceptedBody(existing), { ...headers, "Idempotent-Replayed": "true" });
}

async function placeOrder(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
  customer: Customer | undefined,
): Promise<APIGatewayProxyResult> {
  const suppliedKey = header(event.headers, "Idempotency-Key");
  const keyRejected = invalidKey(suppliedKey);
  if (keyRejected) return keyRejected;
  const parsed = parseRequest(event);
  if ("rejected" in parsed) return parsed.rejected;
  const email = customerEmailFor(parsed.request, customer);
  if ("rejected" in email) return email.rejected;
  const idempotencyKey = suppliedKey ?? newIdempotencyKey();
  const order = pendingOrder(parsed.request, email.email, idempotencyKey, customer);
  let created;
  try {
    created = await deps.orders.createPending(
      order,
      idempotencyKeyHash(idempotencyKey, customer?.customerId),
    );
  } catch (error) {
    logger.error("Could not record the order", { error: error as Error });
    return outcomeUnknown(idempotencyKey);
  }
  if (!created.created) return replay(deps, order, created.existing, idempotencyKey);
  logger.appendKeys({ orderId: order.orderId });
  logger.info("Order placed", { items: order.items.length });
  metrics.addMetric("OrdersPlaced", MetricUnit.Count, 1);
  return jsonResponse(202, acceptedBody(order), {
    "Idempotency-Key": idempotencyKey,
    Location: `/orders/${order.orderId}`,
  });
}

/** Another customer's order answers exactly as an unknown id does: ids cannot be probed. */
async function getOrder(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
  customer: Customer | undefined,
): Promise<APIGatewayProxyResult> {
  const orderId = event.pathParameters?.orderId ?? "";
  const order = ORDER_ID_PATTERN.test(orderId) ? await deps.orders.get(orderId) : undefined;
  // The owner reads their order; the store's staff read any.
  if (!order || !mayActOn(customer, order)) {
    return errorResponse("ORDER_NOT_FOUND", `No order with id ${shortened(orderId)}.`);
  }
  // With api_auth = none an order has no owner: whoever holds its id completes its payment.
  const owner = customer === undefined || order.customerId === customer.customerId;
  return jsonResponse(200, orderView(order, owner));
}

/** GET /orders: the caller's orders, newest first, a page at a time. */
async function listOrders(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
  customer: Customer | undefined,
): Promise<APIGatewayProxyResult> {
  if (!customer) {
    return errorResponse(
      "CUSTOMER_REQUIRED",
      "Listing orders needs a signed-in customer; this API runs with api_auth = none, so orders have no owner.",
    );
  }
  const query = pageQuery(event, ORDER_LIST_LIMITS);
  if ("statusCode" in query) return query;
  const { limit } = query;
  let after;
  if (query.cursor !== undefined) {
    const decoded = decodeCursor(query.cursor, customer.customerId);
    if (!decoded.ok) {
      return errorResponse("INVALID_CURSOR", "cursor is not a nextCursor of your order list.");
    }
    after = decoded.position;
  }
  const page = await deps.orders.listByCustomer(customer.customerId, limit, after);
  return jsonResponse(200, {
    orders: page.orders.map((order) => orderView(order, true)),
    nextCursor: page.next ? encodeCursor(page.next) : null,
  });
}

/** GET /products: the products on sale, a page at a time (`limit` 1–100, `cursor`). */
async function listProducts(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const query = pageQuery(event, ORDER_LIST_LIMITS);
  if ("statusCode" in query) return query;
  const { limit } = query;
  const after = query.cursor === undefined ? undefined : decodeProductCursor(query.cursor);
  if (query.cursor !== undefined && after === undefined) {
    return errorResponse("INVALID_CURSOR", "cursor is not a nextCursor of the product list.");
  }
  const page = cataloguePage(await deps.inventory.listProducts(), limit, after);
  return jsonResponse(200, { products: page.products.map(productView), nextCursor: page.next ?? null });
}

/** GET /products/{productId}: one product on sale (an unknown one, or one off sale, is 404). */
async function getProduct(
  deps: OrderPlacementDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const productId = event.pathParameters?.productId ?? "";
  const product = isProductId(productId)
    ? (await deps.inventory.getProducts([productId])).get(productId)
    : undefined;
  if (!product?.active) {
    return errorResponse("PRODUCT_NOT_FOUND", `No product on sale with id ${shortened(productId)}.`);
  }
  return jsonResponse(200, productView(product));
}

async function route(deps: OrderPlacementDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const matched = routeOfEvent(event);
  if (!matched)
    return errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`);
  const customer = customerOf(event);
  // The authorizer refuses these before they arrive; this holds if a method ever lost it.
  if (matched.access === "customer" && deps.settings.apiAuth === "cognito" && !customer) {
    return errorResponse("UNAUTHORIZED", "Sign in: this route needs a customer's ID token.");
  }
  if (customer) logger.appendKeys({ customerId: customer.customerId });
  switch (matched.operation) {
    case "placeOrder":
      return placeOrder(deps, event, customer);
    case "getOrder":
      return getOrder(deps, event, customer);
    case "listOrders":
      return listOrders(deps, event, customer);
    case "listProducts":
      return listProducts(deps, event);
    case "getProduct":
      return getProduct(deps, event);
    default:
      // Integrated with PaymentEvents or AfterSale, never with this function.
      return errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`);
  }
}

export function createHandler(overrides: Partial<OrderPlacementDeps> = {}) {
  const deps: OrderPlacementDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    inventory: overrides.inventory ?? dynamoDbInventoryStore(config),
    settings: overrides.settings ?? settingsFromConfig(),
  };
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    instrumented(observability, context, async () => {
      let result: APIGatewayProxyResult;
      try {
        result = await route(deps, event);
      } catch (error) {
        // A fault of ours or of AWS, never of the client: log it, answer without internals.
        logger.error("Unhandled error", { error: error as Error });
        result = errorResponse("INTERNAL_ERROR", "The order service failed unexpectedly. Please retry.");
      }
      const cors = corsHeaders(event.headers, deps.settings.allowedOrigins);
      return { ...result, headers: { ...result.headers, ...cors } };
    });
}

export const handler = createHandler();
