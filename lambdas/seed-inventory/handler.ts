/**
 * SeedInventoryLambda: writes the catalog into InventoryTable, invoked once at deploy. Products that
 * exist already are left alone, so re-deploying never resets stock.
 */
import type { Context } from "aws-lambda";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import bundledCatalog from "../catalog/catalog.json";
import { catalogSchema } from "../catalog/catalogue-file";
import { toMinorUnits } from "../platform/money";
import type { InventoryStore } from "../catalog/ports";
import { createObservability, instrumented } from "../platform/observability";
import { functionConfig, SEED_INVENTORY_CONFIG } from "../platform/config";

export interface SeedInventoryDeps {
  readonly inventory: InventoryStore;
}

const observability = createObservability("seed-inventory");
const config = functionConfig("SeedInventory", SEED_INVENTORY_CONFIG);
const { logger } = observability;

export function createHandler(overrides: Partial<SeedInventoryDeps> = {}) {
  const deps: SeedInventoryDeps = {
    inventory: overrides.inventory ?? dynamoDbInventoryStore(config),
  };

  return (input: unknown, context?: Context): Promise<{ created: string[]; existing: string[] }> =>
    instrumented(observability, context, async () => {
      const hasCatalog = typeof input === "object" && input !== null && "products" in input;
      const catalog = catalogSchema.parse(hasCatalog ? input : bundledCatalog);
      const created: string[] = [];
      const existing: string[] = [];
      for (const product of catalog.products) {
        const outcome = await deps.inventory.seedProduct({
          productId: product.productId,
          name: product.name,
          priceMinor: toMinorUnits(product.price),
          currency: catalog.currency,
          stock: product.stock,
        });
        (outcome === "created" ? created : existing).push(product.productId);
      }
      logger.info("Inventory seeded", { created: created.length, existing: existing.length });
      return { created, existing };
    });
}

export const handler = createHandler();
