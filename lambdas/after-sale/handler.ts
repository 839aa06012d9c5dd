/**
 * AfterSaleLambda: what happens to an order after the sale, through the API. The owner or staff
 * cancel (`POST /orders/{orderId}/cancel`, cancel.ts); staff record the shipment (`POST
 * /orders/{orderId}/shipment`, shipment.ts) and refund (`POST /orders/{orderId}/refunds`,
 * refunds.ts); the owner asks for a return, staff receive or reject it (returns.ts). Every change is a conditional write, money moves through the payment port with a key
 * derived from the request, and the customer is e-mailed once per change.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import { dynamoDbOrderChanges } from "../orders/adapters/dynamodb-order-changes";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { dynamoDbPaymentRecords } from "../payments/adapters/dynamodb-payment-records";
import { dynamoDbRefundLedger } from "../payments/adapters/dynamodb-refund-ledger";
import { dynamoDbSuppressionList } from "../email/adapters/dynamodb-suppression-list";
import { StepFunctionsCallbacks } from "../workflow/adapters/sfn-workflow-callbacks";
import { mailerFrom } from "../email/customer-mail";
import { errorResponse, shortened } from "../platform/http";
import { instrumented } from "../platform/observability";
import { gatewaysFrom } from "../payments/gateways";
import { routeOfEvent } from "../platform/routes";
import { AFTER_SALE_CONFIG, functionConfig } from "../platform/config";
import { cancelOrder } from "./cancel";
import { observability, type AfterSaleDeps } from "./deps";
import { refundOrder } from "./refunds";
import { shipOrder } from "./shipment";
import { returnWindowSetting } from "../returns/return";

export { MAX_REASON_LENGTH } from "../platform/http";
export { CANCELLATION_REFUND_KEY } from "./cancel";
export type { AfterSaleDeps };

const config = functionConfig("AfterSale", AFTER_SALE_CONFIG);
const { logger } = observability;

async function route(deps: AfterSaleDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const operation = routeOfEvent(event)?.operation;
  switch (operation) {
    case "refundOrder":
      return refundOrder(deps, event);
    case "cancelOrder":
      return cancelOrder(deps, event);
    case "shipOrder":
      return shipOrder(deps, event);
    case "requestReturn":
    case "receiveReturn":
    case "rejectReturn":
      // Returns' code is loaded with the first return request (./returns, beside index.js).
      return (await import("./returns"))[operation](deps, event);
    default:
      return errorResponse("ROUTE_NOT_FOUND", `No route for ${event.httpMethod} ${shortened(event.path)}.`);
  }
}

function depsFrom(overrides: Partial<AfterSaleDeps>): AfterSaleDeps {
  const gateways = overrides.gateways
    ? { current: overrides.current ?? "simulated", gateways: overrides.gateways }
    : gatewaysFrom(config);
  return {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    changes: overrides.changes ?? dynamoDbOrderChanges(config),
    refunds: overrides.refunds ?? dynamoDbRefundLedger(config),
    payments: overrides.payments ?? dynamoDbPaymentRecords(config),
    inventory: overrides.inventory ?? dynamoDbInventoryStore(config),
    callbacks: overrides.callbacks ?? new StepFunctionsCallbacks(),
    ...(overrides.returns ? { returns: overrides.returns } : {}),
    returnWindowDays: overrides.returnWindowDays ?? returnWindowSetting(config.returnWindowDays),
    suppressions: overrides.suppressions ?? dynamoDbSuppressionList(config),
    mailer:
      "mailer" in overrides
        ? overrides.mailer
        : mailerFrom(config, {
            cancellation: config.cancellationEmailTemplateName,
            shipment: config.shipmentEmailTemplateName,
            refund: config.refundEmailTemplateName,
            returnRequested: config.returnRequestedEmailTemplateName,
            returnReceived: config.returnReceivedEmailTemplateName,
            returnRejected: config.returnRejectedEmailTemplateName,
          }),
    ...gateways,
    now: overrides.now,
    observability,
  };
}

export function createHandler(overrides: Partial<AfterSaleDeps> = {}) {
  const deps = depsFrom(overrides);
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    instrumented(observability, context, async () => {
      try {
        return await route(deps, event);
      } catch (error) {
        logger.error("After-sale request failed unexpectedly", {
          error: (error as Error).name,
          message: (error as Error).message,
        });
        return errorResponse(
          "INTERNAL_ERROR",
          "The request could not be completed. Retry it: it is applied once.",
        );
      }
    });
}

export const handler = createHandler();
