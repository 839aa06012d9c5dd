/**
 * CatalogAdminLambda: the store's staff manage the catalogue through the API. `POST /products`
 * creates a product (201; an existing id is 409 PRODUCT_EXISTS), `PATCH /products/{productId}`
 * changes its name, price, sale status or low-stock threshold (200), `POST …/stock-adjustments`
 * changes its stock with a reason (201; never below zero: 409 STOCK_WOULD_GO_NEGATIVE) and
 * `GET …/stock-movements` lists every change of its stock, newest first. Staff only (the user
 * pool's `staff` group); every write takes an Idempotency-Key: the same key and body answer the
 * first answer again, another body is 409 IDEMPOTENCY_KEY_REUSED. A price change applies to orders
 * validated after it: an order already priced keeps its lines.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import bundledCatalog from "../catalog/catalog.json";
import { dynamoDbCatalogue } from "../catalog/adapters/dynamodb-catalogue";
import type { AdjustmentWrite, Catalogue, CatalogueWrite } from "../catalog/ports";
import { staffProductView } from "../catalog/product";
import {
  catalogueRequestOf,
  isProductId,
  newProductOf,
  productChangesOf,
  stockAdjustmentOf,
  type Refused,
} from "../catalog/product-requests";
import { reportedLowStockAlerts } from "../catalog/adapters/sns-low-stock-alerts";
import type { Notifier } from "../alerts/ports";
import { movementView, thresholdSetting } from "../catalog/stock";
import { staffOf } from "../customers/customer";
import { CATALOG_ADMIN_CONFIG, functionConfig } from "../platform/config";
import {
  errorResponse,
  jsonBodyOf,
  jsonResponse,
  pageQuery,
  requiredIdempotencyKey,
  shortened,
} from "../platform/http";
import { createObservability, instrumented } from "../platform/observability";
import { routeOfEvent } from "../platform/routes";

export interface CatalogAdminDeps {
  /** The operators\' topic low stock is told on (SNS unless given). */
  readonly lowStockNotifier?: Notifier;
  readonly catalogue: Catalogue;
  /** The store's currency: every product is priced in it (the bundled catalogue's). */
  readonly currency: string;
  /** The deployment's low-stock threshold (low_stock_threshold), for products without their own. */
  readonly defaultThreshold: number;
}

/** A product's movements a page at a time, as GET /orders pages orders. */
const MOVEMENT_PAGE_LIMITS = { min: 1, max: 100, default: 20 } as const;

const observability = createObservability("catalog-admin");
const { logger, metrics } = observability;

function refusal(refused: Refused): APIGatewayProxyResult {
  return errorResponse(refused.refused, refused.message, refused.field ? { field: refused.field } : null);
}

/** The answer of a write: the product as this request (or the first with its key) left it. */
function answered(
  deps: CatalogAdminDeps,
  written: CatalogueWrite,
  productId: string,
  created: boolean,
): APIGatewayProxyResult {
  switch (written.kind) {
    case "done":
    case "replayed":
      return jsonResponse(
        created ? 201 : 200,
        { product: staffProductView(written.product, deps.defaultThreshold) },
        written.kind === "replayed" ? { "Idempotent-Replayed": "true" } : {},
      );
    case "key-reused":
      return errorResponse(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used for another change. Use a new key for a new change.",
      );
    case "exists":
      return errorResponse("PRODUCT_EXISTS", `A product with id ${productId} exists already.`);
    case "not-found":
      return productNotFound(productId);
  }
}

const productNotFound = (productId: string) =>
  errorResponse("PRODUCT_NOT_FOUND", `No product with id ${shortened(productId)}.`);

/** The product of a `/products/{productId}/…` route, if the path names one that can exist. */
function productIdOf(event: APIGatewayProxyEvent): string | APIGatewayProxyResult {
  const productId = event.pathParameters?.productId ?? "";
  return isProductId(productId) ? productId : productNotFound(productId);
}

async function createProduct(deps: CatalogAdminDeps, event: APIGatewayProxyEvent) {
  const staff = staffOf(event, "manage the catalogue");
  if ("statusCode" in staff) return staff;
  const key = requiredIdempotencyKey(event.headers, "A new product");
  if (typeof key !== "string") return key;
  const sent = jsonBodyOf(event.body, '{"productId", "name", "price", "stock"?}');
  if ("statusCode" in sent) return sent;
  const asked = newProductOf(sent.json);
  if ("refused" in asked) return refusal(asked);
  const written = await deps.catalogue.create(
    { ...asked, currency: deps.currency, active: true },
    catalogueRequestOf("create", asked.productId, key, asked),
    staff.customerId,
  );
  if (written.kind === "done") {
    logger.info("Product created", { productId: asked.productId, by: staff.customerId });
    metrics.addMetric("ProductsCreated", MetricUnit.Count, 1);
  }
  return answered(deps, written, asked.productId, true);
}

async function updateProduct(deps: CatalogAdminDeps, event: APIGatewayProxyEvent) {
  const staff = staffOf(event, "manage the catalogue");
  if ("statusCode" in staff) return staff;
  const productId = productIdOf(event);
  if (typeof productId !== "string") return productId;
  const key = requiredIdempotencyKey(event.headers, "A product change");
  if (typeof key !== "string") return key;
  const sent = jsonBodyOf(event.body, '{"name"?, "price"?, "active"?, "lowStockThreshold"?}');
  if ("statusCode" in sent) return sent;
  const changes = productChangesOf(sent.json);
  if ("refused" in changes) return refusal(changes);
  const written = await deps.catalogue.update(
    productId,
    changes,
    catalogueRequestOf("update", productId, key, changes),
  );
  if (written.kind === "done") {
    logger.info("Product changed", { productId, fields: Object.keys(changes), by: staff.customerId });
    metrics.addMetric("ProductsChanged", MetricUnit.Count, 1);
  }
  return answered(deps, written, productId, false);
}

function adjusted(
  deps: CatalogAdminDeps,
  written: AdjustmentWrite,
  productId: string,
): APIGatewayProxyResult {
  switch (written.kind) {
    case "done":
    case "replayed":
      return jsonResponse(
        201,
        {
          adjustment: movementView(written.movement),
          product: staffProductView(written.product, deps.defaultThreshold),
        },
        written.kind === "replayed" ? { "Idempotent-Replayed": "true" } : {},
      );
    case "would-go-negative":
      return errorResponse(
        "STOCK_WOULD_GO_NEGATIVE",
        `${shortened(productId)} has ${written.stock} in stock: an adjustment may take at most that many away.`,
        { stock: written.stock },
      );
    case "key-reused":
      return answered(deps, written, productId, false);
    case "not-found":
      return productNotFound(productId);
  }
}

async function adjustStock(deps: CatalogAdminDeps, event: APIGatewayProxyEvent) {
  const staff = staffOf(event, "adjust stock");
  if ("statusCode" in staff) return staff;
  const productId = productIdOf(event);
  if (typeof productId !== "string") return productId;
  const key = requiredIdempotencyKey(event.headers, "A stock adjustment");
  if (typeof key !== "string") return key;
  const sent = jsonBodyOf(event.body, '{"delta", "reason", "note"?}');
  if ("statusCode" in sent) return sent;
  const adjustment = stockAdjustmentOf(sent.json);
  if ("refused" in adjustment) return refusal(adjustment);
  const written = await deps.catalogue.adjust(
    productId,
    adjustment,
    staff.customerId,
    catalogueRequestOf("adjust", productId, key, adjustment),
  );
  if (written.kind === "done") {
    logger.info("Stock adjusted", {
      productId,
      delta: adjustment.delta,
      reason: adjustment.reason,
      stockAfter: written.movement.stockAfter,
      by: staff.customerId,
    });
    metrics.addMetric("StockAdjustments", MetricUnit.Count, 1);
  }
  return adjusted(deps, written, productId);
}

async function listStockMovements(deps: CatalogAdminDeps, event: APIGatewayProxyEvent) {
  const staff = staffOf(event, "read stock movements");
  if ("statusCode" in staff) return staff;
  const productId = productIdOf(event);
  if (typeof productId !== "string") return productId;
  const query = pageQuery(event, MOVEMENT_PAGE_LIMITS);
  if ("statusCode" in query) return query;
  const page = await deps.catalogue.movements(productId, query.limit, query.cursor);
  if (page === undefined) return productNotFound(productId);
  if (page === "bad-cursor") {
    return errorResponse("INVALID_CURSOR", "cursor is not a nextCursor of this product's movements.");
  }
  return jsonResponse(200, {
    productId,
    movements: page.movements.map(movementView),
    nextCursor: page.next ?? null,
  });
}

function route(deps: CatalogAdminDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  switch (routeOfEvent(event)?.operation) {
    case "createProduct":
      return createProduct(deps, event);
    case "updateProduct":
      return updateProduct(deps, event);
    case "adjustStock":
      return adjustStock(deps, event);
    case "listStockMovements":
      return listStockMovements(deps, event);
    default:
      return Promise.resolve(
        errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`),
      );
  }
}

export function createHandler(overrides: Partial<CatalogAdminDeps> = {}) {
  const config = functionConfig("CatalogAdmin", CATALOG_ADMIN_CONFIG);
  const deps: CatalogAdminDeps = {
    catalogue:
      overrides.catalogue ??
      dynamoDbCatalogue(
        config,
        reportedLowStockAlerts(overrides.lowStockNotifier, config.orderAlertsTopicArn, observability),
      ),
    currency: overrides.currency ?? bundledCatalog.currency,
    defaultThreshold: overrides.defaultThreshold ?? thresholdSetting(config.lowStockThreshold),
  };
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    instrumented(observability, context, async () => {
      try {
        return await route(deps, event);
      } catch (error) {
        logger.error("Catalogue request failed unexpectedly", { error: (error as Error).name });
        return errorResponse(
          "INTERNAL_ERROR",
          "The request could not be completed. Retry it with the same Idempotency-Key: it is applied once.",
        );
      }
    });
}

export const handler = createHandler();
