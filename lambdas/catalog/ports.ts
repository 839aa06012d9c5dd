import type { Product } from "./product";
import type { OrderLine } from "../orders/order-request";

export type ReserveResult = "reserved" | "already-reserved" | "order-cancelled";

export type ReleaseResult = "released" | "nothing-reserved";

export interface InventoryStore {
  getProducts(productIds: readonly string[]): Promise<Map<string, Product>>;
  listProducts(): Promise<Product[]>;
  /**
   * Decrements stock for every line in one transaction, all or nothing, together with an order
   * marker so a replayed call never decrements twice. Throws OutOfStock when any line is short.
   */
  reserveStock(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult>;
  /**
   * Compensation: gives back the stock this order took, in one transaction that also clears the
   * order marker, so it happens at most once and only if the reservation did.
   */
  releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult>;
  /** Writes a catalog product unless it exists already (stock is never reset). */
  seedProduct(product: Product): Promise<"created" | "exists">;
}
