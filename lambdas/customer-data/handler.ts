/**
 * CustomerDataLambda: a customer's personal data, through the API. `GET /me/data`: the signed-in
 * customer's export, one JSON document (an attachment). `DELETE /me`: the customer erases their
 * personal data; `POST /customers/{customerId}/erasure {"reason"}`: staff do it on a customer's
 * request. Both answer 202 with the erasure's request id, the same on every call (erasure.ts).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import * as z from "zod/mini";
import { CognitoCustomerAccounts } from "../customers/adapters/cognito-customer-accounts";
import { DynamoDbCustomerData } from "../customers/adapters/dynamodb-customer-data";
import { documentClient } from "../platform/dynamodb/document-client";
import { dynamoDbSuppressionList } from "../email/adapters/dynamodb-suppression-list";
import { customerOf, staffOf } from "../customers/customer";
import { checkedReason, errorResponse, jsonBodyOf, jsonResponse, shortened } from "../platform/http";
import { instrumented } from "../platform/observability";
import { exportDocument } from "../customers/personal-data";
import { routeOfEvent } from "../platform/routes";
import { CUSTOMER_DATA_CONFIG, functionConfig } from "../platform/config";
import { observability, type CustomerDataDeps } from "./deps";
import { erase } from "../customers/erasure";

export type { CustomerDataDeps };

const config = functionConfig("CustomerData", CUSTOMER_DATA_CONFIG);
const { logger } = observability;

/** A Cognito `sub`: what a customer id looks like. */
const CUSTOMER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const erasureBodySchema = z.strictObject({ reason: z.string() });

async function exportMyData(
  deps: CustomerDataDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const customer = customerOf(event);
  if (!customer)
    return errorResponse("CUSTOMER_REQUIRED", "Sign in: the export is of the signed-in customer's data.");
  const orders = await deps.store.ordersOf(customer.customerId);
  const suppressed = customer.email ? await deps.suppressions.isSuppressed(customer.email) : false;
  const at = (deps.now?.() ?? new Date()).toISOString();
  logger.info("Customer data exported", { orders: orders.length });
  return jsonResponse(200, exportDocument(customer, orders, suppressed, at), {
    "Content-Disposition": `attachment; filename="order-system-data-${at.slice(0, 10)}.json"`,
  });
}

async function eraseMe(deps: CustomerDataDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const customer = customerOf(event);
  if (!customer)
    return errorResponse("CUSTOMER_REQUIRED", "Sign in: an erasure is of the signed-in customer.");
  const record = await erase(deps, observability, {
    customerId: customer.customerId,
    email: customer.email,
    requestedBy: "customer",
  });
  return jsonResponse(202, { requestId: record.requestId, orders: record.orders, at: record.at });
}

async function eraseCustomer(
  deps: CustomerDataDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const staff = staffOf(event, "erase another customer's data");
  if ("statusCode" in staff) return staff;
  const customerId = event.pathParameters?.customerId ?? "";
  if (!CUSTOMER_ID.test(customerId)) {
    return errorResponse("CUSTOMER_NOT_FOUND", `No customer with id ${shortened(customerId)}.`);
  }
  const sent = jsonBodyOf(event.body, '{"reason": "…"}');
  if ("statusCode" in sent) return sent;
  const body = erasureBodySchema.safeParse(sent.json);
  const reason = checkedReason(body.success ? body.data.reason : "", true);
  if (typeof reason !== "string") return reason;
  const record = await erase(deps, observability, {
    customerId,
    email: undefined,
    requestedBy: `staff:${staff.customerId}`,
    reason,
  });
  return jsonResponse(202, { requestId: record.requestId, orders: record.orders, at: record.at });
}

async function route(deps: CustomerDataDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  switch (routeOfEvent(event)?.operation) {
    case "exportMyData":
      return exportMyData(deps, event);
    case "eraseMe":
      return eraseMe(deps, event);
    case "eraseCustomer":
      return eraseCustomer(deps, event);
    default:
      return errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`);
  }
}

export function createHandler(overrides: Partial<CustomerDataDeps> = {}) {
  const deps: CustomerDataDeps = {
    store:
      overrides.store ??
      new DynamoDbCustomerData(documentClient(), config.ordersTableName, config.orderKeysTableName),
    suppressions: overrides.suppressions ?? dynamoDbSuppressionList(config),
    accounts: overrides.accounts ?? new CognitoCustomerAccounts(config.userPoolId),
    now: overrides.now,
  };
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    instrumented(observability, context, async () => {
      try {
        return await route(deps, event);
      } catch (error) {
        logger.error("Customer data request failed unexpectedly", { error: (error as Error).name });
        return errorResponse(
          "INTERNAL_ERROR",
          "The request could not be completed. Retry it: it is applied once.",
        );
      }
    });
}

export const handler = createHandler();
