/** A product as InventoryTable keeps it, and the domain's Product read from and written to it. */
import type { Product } from "../product";
import type { LoggedMovement } from "../stock";

/** A product as InventoryTable keeps it. */
export interface InventoryItem {
  readonly ProductID: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly stock: number;
  /** Absent on products written before staff could take one off sale: on sale. */
  readonly active?: boolean;
  /** Bumped by every staff change (absent until the first): what a change is conditional on. */
  readonly version?: number;
  /**
   * The product's ledger (absent on a product kept from before movements were recorded): how many
   * of its movements were copied to StockMovementsTable, and the newer ones, in commit order.
   */
  readonly flushed?: number;
  readonly log?: readonly LoggedMovement[];
  readonly lowStockThreshold?: number;
}

export const toProduct = (item: InventoryItem): Product => ({
  productId: item.ProductID,
  name: item.name,
  priceMinor: Number(item.priceMinor),
  currency: item.currency,
  stock: Number(item.stock),
  active: item.active !== false,
  ...(item.lowStockThreshold === undefined ? {} : { lowStockThreshold: Number(item.lowStockThreshold) }),
  ...(item.flushed === undefined ? {} : { loggedMovements: item.log?.length ?? 0 }),
});

/** A product as InventoryTable keeps it (staff changes add a version). */
export const inventoryItemOf = (product: Product): InventoryItem => ({
  ProductID: product.productId,
  name: product.name,
  priceMinor: product.priceMinor,
  currency: product.currency,
  stock: product.stock,
  active: product.active,
  ...(product.lowStockThreshold === undefined ? {} : { lowStockThreshold: product.lowStockThreshold }),
});
