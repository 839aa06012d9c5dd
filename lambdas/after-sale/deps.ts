/**
 * What AfterSale's routes work with: the stores (orders, refunds, returns, stock), the payment
 * gateways, the workflow, the mailer.
 */
import { emailCustomer, type CustomerMailDeps } from "../email/customer-mail";
import { emailKindOf, type CustomerEmailSubject } from "../orders/order";
import type { OrderRecord } from "../orders/order";
import { createObservability, type Observability } from "../platform/observability";
import type { Gateways } from "../payments/gateways";
import type { PaymentProvider } from "../platform/payment-providers";
import type { InventoryStore } from "../catalog/ports";
import type { OrderChanges, OrderStore } from "../orders/ports";
import type { PaymentRecords, RefundLedger } from "../payments/ports";
import type { WorkflowCallbacks } from "../workflow/ports";
import type { ReturnStore } from "../returns/ports";

export interface AfterSaleDeps extends CustomerMailDeps {
  readonly orders: OrderStore;
  readonly changes: OrderChanges;
  readonly refunds: RefundLedger;
  readonly payments: PaymentRecords;
  readonly inventory: Pick<InventoryStore, "releaseStock">;
  readonly callbacks: WorkflowCallbacks;
  /** The returns store; the DynamoDB one (built with the first return request) when not given. */
  readonly returns?: ReturnStore;
  /** Days after shipment a customer may ask for a return (return_window_days); 0: none. */
  readonly returnWindowDays: number;
  readonly current: PaymentProvider;
  readonly gateways: Gateways;
  readonly now?: () => Date;
  /**
   * The handler's logger and metrics: a module loaded at first use (./returns, its own bundle) logs
   * and counts through them, so its metrics are flushed with the invocation's.
   */
  readonly observability?: Observability;
}

export const observability = createObservability("after-sale");

/**
 * The customer's e-mail about a change that is already made: a failure to send does not undo it or
 * fail the request; repeating the request (answered the same) sends it, at most once.
 */
export async function emailOnce(
  deps: AfterSaleDeps,
  order: OrderRecord,
  kind: CustomerEmailSubject,
): Promise<void> {
  const log = deps.observability ?? observability;
  try {
    await emailCustomer(deps, log, order, kind);
  } catch (error) {
    log.logger.warn("Customer e-mail not sent; repeating the request sends it", {
      kind: emailKindOf(kind),
      error: (error as Error).name,
    });
  }
}
