/**
 * CatalogAdminLambda: the store's staff manage the catalogue through the API. `POST /products`
 * creates a product (201; an existing id is 409 PRODUCT_EXISTS), `PATCH /products/{productId}`
 * changes its name, price or sale status (200). Staff only (the user pool's `staff` group); every
 * write takes an Idempotency-Key: the same key and body answer the first answer again, another body
 * is 409 IDEMPOTENCY_KEY_REUSED. A price change applies to orders validated after it: an order
 * already priced keeps its lines. The stock is not written here.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import bundledCatalog from "../catalog/catalog.json";
import { dynamoDbCatalogue } from "../catalog/adapters/dynamodb-catalogue";
import type { Catalogue, CatalogueWrite } from "../catalog/ports";
import { staffProductView } from "../catalog/product";
import {
  catalogueRequestOf,
  isProductId,
  newProductOf,
  productChangesOf,
  type Refused,
} from "../catalog/product-requests";
import { staffOf } from "../customers/customer";
import { CATALOG_ADMIN_CONFIG, functionConfig } from "../platform/config";
import { errorResponse, jsonBodyOf, jsonResponse, requiredIdempotencyKey, shortened } from "../platform/http";
import { createObservability, instrumented } from "../platform/observability";
import { routeOfEvent } from "../platform/routes";

export interface CatalogAdminDeps {
  readonly catalogue: Catalogue;
  /** The store's currency: every product is priced in it (the bundled catalogue's). */
  readonly currency: string;
}

const observability = createObservability("catalog-admin");
const { logger, metrics } = observability;

function refusal(refused: Refused): APIGatewayProxyResult {
  return errorResponse(refused.refused, refused.message, refused.field ? { field: refused.field } : null);
}

/** The answer of a write: the product as this request (or the first with its key) left it. */
function answered(written: CatalogueWrite, productId: string, created: boolean): APIGatewayProxyResult {
  switch (written.kind) {
    case "done":
    case "replayed":
      return jsonResponse(
        created ? 201 : 200,
        { product: staffProductView(written.product) },
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
      return errorResponse("PRODUCT_NOT_FOUND", `No product with id ${shortened(productId)}.`);
  }
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
  );
  if (written.kind === "done") {
    logger.info("Product created", { productId: asked.productId, by: staff.customerId });
    metrics.addMetric("ProductsCreated", MetricUnit.Count, 1);
  }
  return answered(written, asked.productId, true);
}

async function updateProduct(deps: CatalogAdminDeps, event: APIGatewayProxyEvent) {
  const staff = staffOf(event, "manage the catalogue");
  if ("statusCode" in staff) return staff;
  const productId = event.pathParameters?.productId ?? "";
  if (!isProductId(productId)) {
    return errorResponse("PRODUCT_NOT_FOUND", `No product with id ${shortened(productId)}.`);
  }
  const key = requiredIdempotencyKey(event.headers, "A product change");
  if (typeof key !== "string") return key;
  const sent = jsonBodyOf(event.body, '{"name"?, "price"?, "active"?}');
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
  return answered(written, productId, false);
}

function route(deps: CatalogAdminDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  switch (routeOfEvent(event)?.operation) {
    case "createProduct":
      return createProduct(deps, event);
    case "updateProduct":
      return updateProduct(deps, event);
    default:
      return Promise.resolve(
        errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`),
      );
  }
}

export function createHandler(overrides: Partial<CatalogAdminDeps> = {}) {
  const deps: CatalogAdminDeps = {
    catalogue: overrides.catalogue ?? dynamoDbCatalogue(functionConfig("CatalogAdmin", CATALOG_ADMIN_CONFIG)),
    currency: overrides.currency ?? bundledCatalog.currency,
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
