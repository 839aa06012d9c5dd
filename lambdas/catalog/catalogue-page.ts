/**
 * The public catalogue a page at a time (GET /products): the products on sale, by id, and an opaque
 * cursor naming the last product of the page. A product taken off sale is not listed.
 */
import { isProductId } from "./product-requests";
import type { Product } from "./product";

export interface CataloguePage {
  readonly products: readonly Product[];
  /** Where the next page starts; undefined on the last page. */
  readonly next?: string;
}

export function encodeProductCursor(productId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: productId })).toString("base64url");
}

/** The product id a cursor names, or undefined for one that is not a cursor of this list. */
export function decodeProductCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return undefined;
  try {
    const json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      v?: unknown;
      after?: unknown;
    };
    return json.v === 1 && isProductId(json.after) ? json.after : undefined;
  } catch {
    return undefined;
  }
}

/** One page of the products on sale, ordered by id, after `after` (a product id) if given. */
export function cataloguePage(all: readonly Product[], limit: number, after?: string): CataloguePage {
  const onSale = all
    .filter((product) => product.active)
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  const rest = after === undefined ? onSale : onSale.filter((product) => product.productId > after);
  const products = rest.slice(0, limit);
  return {
    products,
    ...(rest.length > limit ? { next: encodeProductCursor(products.at(-1)!.productId) } : {}),
  };
}
