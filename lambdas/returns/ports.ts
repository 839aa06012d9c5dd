/** Where an order's returns are written: each change conditional on the order as it was read. */
import type { OrderRecord } from "../orders/order";
import type { RefundAsked } from "../payments/ports";
import type { ReturnRecord, ReturnRejection } from "../orders/order-returns";
import type { PlannedReceipt } from "./return";

/** A change was written (`order` as it now is), or the order changed since it was read: read again. */
export type ReturnWrite =
  { readonly kind: "written"; readonly order: OrderRecord } | { readonly kind: "changed" };

/** The refund a receipt sets aside, under the refund ledger's request key. */
export interface ReceiptRefund {
  readonly requestKey: string;
  readonly asked: RefundAsked;
}

export interface ReturnStore {
  get(orderId: string): Promise<OrderRecord | undefined>;
  /** A customer's new return on the order as read. */
  request(order: OrderRecord, requested: ReturnRecord): Promise<ReturnWrite>;
  /**
   * A receipt in one transaction: the return (and the order, RETURNED when every unit is back), the
   * restocked units' `return` movements, and the refund set aside with its request record.
   */
  receive(
    order: OrderRecord,
    planned: PlannedReceipt,
    refund: ReceiptRefund | undefined,
  ): Promise<ReturnWrite>;
  reject(order: OrderRecord, returnId: string, rejection: ReturnRejection): Promise<ReturnWrite>;
}
