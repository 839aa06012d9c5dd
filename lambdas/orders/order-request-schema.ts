import * as z from "zod/mini";
import { placeOrderSchema } from "./order-request";

/** JSON Schema (draft 4, as API Gateway models require) of the POST /orders contract. */
export function placeOrderJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(placeOrderSchema, { target: "draft-4" }) as Record<string, unknown>;
}
