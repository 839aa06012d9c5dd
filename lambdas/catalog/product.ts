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

/** What staff see of a product: the public view and whether it is on sale. */
export function staffProductView(product: Product): Record<string, unknown> {
  return { ...productView(product), active: product.active };
}
