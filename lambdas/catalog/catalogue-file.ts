/**
 * A catalogue file: what SeedInventoryLambda writes into InventoryTable at deploy (the bundled
 * catalog.json) and what `npm start -- --catalog <file>` starts the local system with instead.
 */
import * as z from "zod/mini";
import { PRODUCT_ID_PATTERN } from "../orders/order-request";

export const catalogSchema = z.object({
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  products: z
    .array(
      z.object({
        productId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(PRODUCT_ID_PATTERN)),
        name: z.string().check(z.minLength(1)),
        price: z.number().check(z.positive()),
        stock: z.int().check(z.gte(0)),
      }),
    )
    .check(z.minLength(1)),
});
export type Catalog = z.infer<typeof catalogSchema>;

/** The catalogue a file holds, or why it is not one (each problem with its place in the file). */
export function catalogueOf(json: unknown): Catalog | { readonly problems: readonly string[] } {
  const parsed = catalogSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  return {
    problems: parsed.error.issues.map((issue) => `${issue.path.join(".") || "(the file)"}: ${issue.message}`),
  };
}
