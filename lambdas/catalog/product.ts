/** A product of the catalogue (InventoryTable): its price in minor units and its stock. */
import { toMajorUnits } from "../platform/money";

export interface Product {
  readonly productId: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly stock: number;
}

/** A product as the API shows it (GET /products): money in major units. */
export function productView(product: Product): Record<string, unknown> {
  return {
    productId: product.productId,
    name: product.name,
    price: toMajorUnits(product.priceMinor),
    currency: product.currency,
    stock: product.stock,
  };
}
