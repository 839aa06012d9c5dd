import type { OrderRecord } from "../../lambdas/orders/order";
import { ORDER_ID } from "./events";

export function orderRecord(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    orderId: ORDER_ID,
    status: "PENDING",
    customerEmail: "buyer@example.com",
    items: [
      { productId: "SKU-1001", quantity: 2 },
      { productId: "SKU-1002", quantity: 1 },
    ],
    paymentToken: "tok_visa",
    requestHash: "hash",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}
