import type { Product } from "./product";
import type { MovementPage, StockAdjustment, StockMovement } from "./stock";
import type { OrderLine } from "../orders/order-request";

export type ReserveResult = "reserved" | "already-reserved" | "order-cancelled";

export type ReleaseResult = "released" | "nothing-reserved";

/** An order's line with the product as the order's validation read it, when it did. */
export type StockLine = OrderLine & {
  readonly seen?: {
    readonly stock: number;
    readonly logSize: number;
    readonly name: string;
    readonly threshold?: number;
  };
};

export interface InventoryStore {
  getProducts(productIds: readonly string[]): Promise<Map<string, Product>>;
  listProducts(): Promise<Product[]>;
  /**
   * Decrements stock for every line in one transaction, all or nothing, together with an order
   * marker so a replayed call never decrements twice. Throws OutOfStock when any line is short.
   */
  reserveStock(orderId: string, lines: readonly StockLine[]): Promise<ReserveResult>;
  /**
   * Compensation: gives back the stock this order took, in one transaction that also clears the
   * order marker, so it happens at most once and only if the reservation did.
   */
  releaseStock(orderId: string, lines: readonly OrderLine[]): Promise<ReleaseResult>;
  /** Writes a catalog product unless it exists already (stock is never reset). */
  seedProduct(product: Omit<Product, "active">): Promise<"created" | "exists">;
}

/** A staff request's record: a key names one change of one product; the body's hash tells a retry from reuse. */
export interface CatalogueRequest {
  readonly keyHash: string;
  readonly requestHash: string;
}

/** The fields staff change on an existing product (PATCH); stock is not one of them. */
export interface ProductChanges {
  readonly name?: string;
  readonly priceMinor?: number;
  readonly active?: boolean;
  readonly lowStockThreshold?: number;
}

/** What became of a staff adjustment of a product's stock. */
export type AdjustmentWrite =
  /** Recorded now, or by an earlier request with the same key and body: the movement and the product after it. */
  | { readonly kind: "done" | "replayed"; readonly movement: StockMovement; readonly product: Product }
  | { readonly kind: "key-reused" }
  | { readonly kind: "not-found" }
  /** The stock would go below zero: nothing is written. */
  | { readonly kind: "would-go-negative"; readonly stock: number };

/** What became of a staff change of the catalogue. */
export type CatalogueWrite =
  /** Written now (`done`), or by an earlier request with the same key and body (`replayed`). */
  | { readonly kind: "done" | "replayed"; readonly product: Product }
  /** The key was used for another change (another body, or another product). */
  | { readonly kind: "key-reused" }
  /** Create: a product with this id exists. */
  | { readonly kind: "exists" }
  /** Update: no product with this id. */
  | { readonly kind: "not-found" };

/**
 * The catalogue as staff change it (CatalogAdmin): every write is one transaction with its
 * request's record in the idempotency-key table, so a retried request is answered with the product
 * as the first one left it, and never applied twice.
 */
export interface Catalogue {
  get(productId: string): Promise<Product | undefined>;
  /** A new product; its stock, if any, is its opening movement (`received`, by `by`). */
  create(product: Product, request: CatalogueRequest, by: string): Promise<CatalogueWrite>;
  update(productId: string, changes: ProductChanges, request: CatalogueRequest): Promise<CatalogueWrite>;
  /** One change of the stock and its movement, in one transaction; never below zero. */
  adjust(
    productId: string,
    adjustment: StockAdjustment,
    by: string,
    request: CatalogueRequest,
  ): Promise<AdjustmentWrite>;
  /** A page of the product's movements, newest first; undefined for an unknown product. */
  movements(
    productId: string,
    limit: number,
    cursor?: string,
  ): Promise<MovementPage | "bad-cursor" | undefined>;
}
