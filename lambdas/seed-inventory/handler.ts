/**
 * SeedInventoryLambda: writes the catalog into InventoryTable, invoked once at deploy. Products that
 * exist already are left alone, so re-deploying never resets stock.
 */
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import bundledCatalog from "../catalog/catalog.json";
import { toMinorUnits } from "../platform/money";
import type { InventoryStore } from "../catalog/ports";
import { createObservability, instrumented } from "../platform/observability";
import { functionConfig, SEED_INVENTORY_CONFIG } from "../platform/config";

export const catalogSchema = z.object({
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  products: z
    .array(
      z.object({
        productId: z.string().check(z.minLength(1), z.maxLength(64)),
        name: z.string().check(z.minLength(1)),
        price: z.number().check(z.positive()),
        stock: z.int().check(z.gte(0)),
      }),
    )
    .check(z.minLength(1)),
});
export type Catalog = z.infer<typeof catalogSchema>;

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
