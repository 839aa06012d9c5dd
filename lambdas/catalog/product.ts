/** A product of the catalogue (InventoryTable): its price in minor units and its stock. */
import { toMajorUnits } from "../platform/money";

export interface Product {
  readonly productId: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly stock: number;
  /** On sale (staff may take a product off sale: it stays in the catalogue, it cannot be ordered). */
  readonly active: boolean;
  /** Its own low-stock threshold; absent: the deployment's (low_stock_threshold). */
  readonly lowStockThreshold?: number;
  /**
   * How many of its movements its own record holds, not yet copied to the movements table (a
   * writer that sees many copies them); absent on a product kept from before movements.
   */
  readonly loggedMovements?: number;
}

/** A product as the API shows it (GET /products): money in major units. */
export function productView(product: Product): Record<string, unknown> {
  return {
    productId: product.productId,
    name: product.name,
    price: toMajorUnits(product.priceMinor),
    currency: product.currency,
    stock: product.stock,
    available: product.active && product.stock > 0,
  };
}

/**
 * What staff see of a product: the public view, whether it is on sale, its low-stock threshold (its
 * own or the deployment's `defaultThreshold`) and whether its stock is at or below it.
 */
export function staffProductView(product: Product, defaultThreshold: number): Record<string, unknown> {
  const threshold = product.lowStockThreshold ?? defaultThreshold;
  return {
    ...productView(product),
    active: product.active,
    lowStockThreshold: threshold,
    lowStock: product.stock <= threshold,
  };
}
