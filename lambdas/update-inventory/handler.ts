/**
 * UpdateInventoryLambda: decrements stock for the whole order in one transaction, exactly once;
 * with `action: "release"`, the saga's compensation gives that stock back, also at most once.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import { reportedLowStockAlerts } from "../catalog/adapters/sns-low-stock-alerts";
import type { Notifier } from "../alerts/ports";
import { BusinessError } from "../platform/errors";
import type { InventoryStore, ReleaseResult, ReserveResult } from "../catalog/ports";
import { createObservability, instrumented } from "../platform/observability";
import { inventoryRequestSchema } from "../workflow/io";
import { functionConfig, UPDATE_INVENTORY_CONFIG } from "../platform/config";

export interface UpdateInventoryDeps {
  /** The operators\' topic low stock is told on (SNS unless given). */
  readonly lowStockNotifier?: Notifier;
  readonly inventory: InventoryStore;
}

const observability = createObservability("update-inventory");
const config = functionConfig("UpdateInventory", UPDATE_INVENTORY_CONFIG);
const { logger, metrics } = observability;

export function createHandler(overrides: Partial<UpdateInventoryDeps> = {}) {
  const deps: UpdateInventoryDeps = {
    inventory:
      overrides.inventory ??
      dynamoDbInventoryStore(
        config,
        reportedLowStockAlerts(overrides.lowStockNotifier, config.orderAlertsTopicArn, observability),
      ),
  };

  return (
    input: unknown,
    context?: Context,
  ): Promise<{ orderId: string; inventory: ReserveResult | ReleaseResult }> =>
    instrumented(observability, context, async () => {
      const { orderId, items, action } = inventoryRequestSchema.parse(input);
      logger.appendKeys({ orderId });
      if (action === "release") {
        const released = await deps.inventory.releaseStock(orderId, items);
        logger.info(
          released === "released" ? "Inventory released" : "No inventory was reserved; nothing to release",
        );
        if (released === "released") metrics.addMetric("InventoryReleases", MetricUnit.Count, 1);
        return { orderId, inventory: released };
      }
      // OutOfStock (another order won the race) propagates as a typed error: the workflow refunds.
      const result = await deps.inventory.reserveStock(orderId, items);
      if (result === "order-cancelled") {
        // Cancelled while its payment settled: nothing is taken, and the workflow gives the money back.
        logger.info("Order was cancelled: no stock reserved");
        throw new BusinessError("OrderCancelled", `Order ${orderId} was cancelled.`);
      }
      logger.info(
        result === "reserved" ? "Inventory updated" : "Inventory was already updated for this order",
      );
      if (result === "reserved") metrics.addMetric("InventoryReservations", MetricUnit.Count, 1);
      return { orderId, inventory: result };
    });
}

export const handler = createHandler();
