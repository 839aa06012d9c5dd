/**
 * The HTTP route table, shared by the API Gateway construct (resources, methods, integrations) and
 * the local HTTP server, so both serve exactly the same routes.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";

export type ApiOperation =
  | "placeOrder"
  | "getOrder"
  | "listOrders"
  | "listProducts"
  | "getProduct"
  | "createProduct"
  | "updateProduct"
  | "adjustStock"
  | "listStockMovements"
  | "receiveStripeEvent"
  | "refundOrder"
  | "cancelOrder"
  | "shipOrder"
  | "requestReturn"
  | "receiveReturn"
  | "rejectReturn"
  | "exportMyData"
  | "eraseMe"
  | "eraseCustomer";

/**
 * The functions behind the API: OrderPlacement serves customers and the public catalogue, AfterSale
 * and CatalogAdmin staff, CustomerData a customer's data, PaymentEvents the provider.
 */
export type ApiHandler = "OrderPlacement" | "PaymentEvents" | "AfterSale" | "CustomerData" | "CatalogAdmin";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiRoute {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` segments are path parameters. */
  readonly resourcePath: string;
  readonly operation: ApiOperation;
  readonly handler: ApiHandler;
  /** Whether API Gateway validates the JSON body against the order model. */
  readonly validatesBody: boolean;
  /**
   * `customer`: a signed-in customer's route, behind the Cognito authorizer (unless the deployment
   * chose `api_auth = none`); `staff`: behind the same authorizer, and the function refuses anyone
   * outside the user pool's staff group (403); `public`: open to anyone (the function checks what it must: the
   * webhook verifies Stripe's signature).
   */
  readonly access: RouteAccess;
}

export type RouteAccess = "customer" | "staff" | "public";

/**
 * How long API Gateway keeps the Cognito authorizer's answer for a token (the authorizer's
 * authorizer_result_ttl_in_seconds): within it, the same token is not verified again.
 */
export const AUTHORIZER_RESULT_TTL_SECONDS = 300;

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: "POST",
    resourcePath: "/orders",
    operation: "placeOrder",
    handler: "OrderPlacement",
    validatesBody: true,
    access: "customer",
  },
  {
    method: "GET",
    resourcePath: "/orders",
    operation: "listOrders",
    handler: "OrderPlacement",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "GET",
    resourcePath: "/orders/{orderId}",
    operation: "getOrder",
    handler: "OrderPlacement",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "GET",
    resourcePath: "/products",
    operation: "listProducts",
    handler: "OrderPlacement",
    validatesBody: false,
    access: "public",
  },
  {
    method: "GET",
    resourcePath: "/products/{productId}",
    operation: "getProduct",
    handler: "OrderPlacement",
    validatesBody: false,
    access: "public",
  },
  // The catalogue's staff: CatalogAdmin is its only writer besides the seed and the workflow's stock.
  {
    method: "POST",
    resourcePath: "/products",
    operation: "createProduct",
    handler: "CatalogAdmin",
    validatesBody: false,
    access: "staff",
  },
  {
    method: "PATCH",
    resourcePath: "/products/{productId}",
    operation: "updateProduct",
    handler: "CatalogAdmin",
    validatesBody: false,
    access: "staff",
  },
  {
    method: "POST",
    resourcePath: "/products/{productId}/stock-adjustments",
    operation: "adjustStock",
    handler: "CatalogAdmin",
    validatesBody: false,
    access: "staff",
  },
  {
    method: "GET",
    resourcePath: "/products/{productId}/stock-movements",
    operation: "listStockMovements",
    handler: "CatalogAdmin",
    validatesBody: false,
    access: "staff",
  },
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/refunds",
    operation: "refundOrder",
    handler: "AfterSale",
    validatesBody: false,
    access: "staff",
  },
  // The owner (or staff) cancels; AfterSale checks who may, as GET /orders/{orderId} does.
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/cancel",
    operation: "cancelOrder",
    handler: "AfterSale",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/shipment",
    operation: "shipOrder",
    handler: "AfterSale",
    validatesBody: false,
    access: "staff",
  },
  // Returns: the owner (or staff) asks; staff receive what came back, or reject the return.
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/returns",
    operation: "requestReturn",
    handler: "AfterSale",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/returns/{returnId}/receipt",
    operation: "receiveReturn",
    handler: "AfterSale",
    validatesBody: false,
    access: "staff",
  },
  {
    method: "POST",
    resourcePath: "/orders/{orderId}/returns/{returnId}/rejection",
    operation: "rejectReturn",
    handler: "AfterSale",
    validatesBody: false,
    access: "staff",
  },
  // A customer's personal data: their export and their erasure; staff erase on a customer's request.
  {
    method: "GET",
    resourcePath: "/me/data",
    operation: "exportMyData",
    handler: "CustomerData",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "DELETE",
    resourcePath: "/me",
    operation: "eraseMe",
    handler: "CustomerData",
    validatesBody: false,
    access: "customer",
  },
  {
    method: "POST",
    resourcePath: "/customers/{customerId}/erasure",
    operation: "eraseCustomer",
    handler: "CustomerData",
    validatesBody: false,
    access: "staff",
  },
  // Public by decision: Stripe calls it without a sign-in; PaymentEvents refuses any request whose
  // Stripe-Signature does not verify against the endpoint secret (400, nothing changed).
  {
    method: "POST",
    resourcePath: "/webhooks/stripe",
    operation: "receiveStripeEvent",
    handler: "PaymentEvents",
    validatesBody: false,
    access: "public",
  },
];

/** The seed's ApiGatewayRootMethod: `/` places an order with the method chosen at deploy time. */
export const ROOT_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT"];
export const DEFAULT_ROOT_METHOD: HttpMethod = "POST";

export function rootRoute(method: HttpMethod): ApiRoute {
  return {
    method,
    resourcePath: "/",
    operation: "placeOrder",
    handler: "OrderPlacement",
    validatesBody: method !== "GET",
    access: "customer",
  };
}

/** Every function the API integrates, each once: the route table's and the root method's. */
export const API_HANDLERS: readonly ApiHandler[] = [
  ...new Set([rootRoute(DEFAULT_ROOT_METHOD).handler, ...API_ROUTES.map((r) => r.handler)]),
];

/** One value per function the API integrates (its live alias, its local handler). */
export function byApiHandler<T>(value: (handler: ApiHandler) => T): Record<ApiHandler, T> {
  return Object.fromEntries(API_HANDLERS.map((handler) => [handler, value(handler)])) as Record<
    ApiHandler,
    T
  >;
}

export interface RouteMatch {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string> | null;
}

/** Finds the route for a concrete path, as API Gateway does. `null` when no resource matches. */
export function matchRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): RouteMatch | { readonly methodNotAllowed: true } | null {
  const segments = path.replace(/\/+$/, "").split("/").filter(Boolean);
  let pathMatched = false;
  for (const route of routes) {
    const template = route.resourcePath.split("/").filter(Boolean);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) {
        params[param[1]] = decodeURIComponent(segments[i]);
        return true;
      }
      return part === segments[i];
    });
    if (!matches) continue;
    pathMatched = true;
    if (route.method === method.toUpperCase()) {
      return { route, pathParameters: Object.keys(params).length > 0 ? params : null };
    }
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

/** The route an API Gateway event was sent to: by its resource template, else (hand-built events) by path. */
export function routeOfEvent(
  event: Pick<APIGatewayProxyEvent, "resource" | "httpMethod" | "path">,
): ApiRoute | undefined {
  if (event.resource === "/") return rootRoute(event.httpMethod as HttpMethod);
  const byResource = API_ROUTES.find(
    (r) => r.resourcePath === event.resource && r.method === event.httpMethod,
  );
  if (byResource) return byResource;
  const match = matchRoute(
    [...API_ROUTES, rootRoute(event.httpMethod as HttpMethod)],
    event.httpMethod,
    event.path,
  );
  return match && "route" in match ? match.route : undefined;
}
