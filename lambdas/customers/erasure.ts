/**
 * Erasing a customer's personal data (GDPR article 17) while the books stay whole: every order of
 * theirs keeps its id, items, amounts, dates, status, payment and refund references and loses the
 * address; their idempotency-key records go; a suppressed address stays suppressed as its hash
 * only; their account is deleted. Each step is idempotent, so a second request (or a retry after a
 * failure) finishes what is left and answers the same request id. The record kept says who asked,
 * when and how many items changed, and names nobody readable.
 */
import { randomUUID } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { idempotencyKeyHash } from "../platform/ids";
import type { Observability } from "../platform/observability";
import { isErasedAddress, type ErasureRecord } from "./personal-data";
import type { AddressSuppressions, CustomerAccounts, CustomerDataStore } from "./ports";

/** What an erasure works with: the customer's orders and keys, the suppression list, their account. */
export interface ErasureDeps {
  readonly store: CustomerDataStore;
  readonly suppressions: AddressSuppressions;
  readonly accounts: CustomerAccounts;
  readonly now?: () => Date;
}

export interface ErasureRequest {
  readonly customerId: string;
  /** The address in their token (their orders' address; an erased order no longer has it). */
  readonly email: string | undefined;
  readonly requestedBy: string;
  readonly reason?: string;
}

export async function erase(
  deps: ErasureDeps,
  { logger, metrics }: Observability,
  request: ErasureRequest,
): Promise<ErasureRecord> {
  const { customerId } = request;
  const earlier = await deps.store.erasureOf(customerId);
  const at = (deps.now?.() ?? new Date()).toISOString();
  const orders = await deps.store.ordersOf(customerId);
  // The address to hash in the suppression list: the token's, or one an order still carries.
  const address = request.email ?? orders.find((o) => !isErasedAddress(o.customerEmail))?.customerEmail;
  let erasedOrders = 0;
  let deletedKeys = 0;
  for (const order of orders) {
    if (order.idempotencyKey) {
      const keyHash = idempotencyKeyHash(order.idempotencyKey, customerId);
      if (await deps.store.deleteKey(keyHash, order.orderId)) deletedKeys++;
    }
    if (await deps.store.eraseOrder(order.orderId, customerId, at)) erasedOrders++;
  }
  const suppressed = address ? await deps.suppressions.keepHashOnly(address) : false;
  await deps.accounts.delete(customerId);
  const record: ErasureRecord = {
    requestId: earlier?.requestId ?? randomUUID(),
    requestedBy: earlier?.requestedBy ?? request.requestedBy,
    ...((earlier?.reason ?? request.reason) ? { reason: earlier?.reason ?? request.reason } : {}),
    at: earlier?.at ?? at,
    orders: (earlier?.orders ?? 0) + erasedOrders,
    keys: (earlier?.keys ?? 0) + deletedKeys,
    suppressed: (earlier?.suppressed ?? false) || suppressed,
  };
  await deps.store.recordErasure(customerId, record);
  // Counts and the request id only: the customer is named by nothing in the log.
  logger.info("Personal data erased", {
    requestId: record.requestId,
    requestedBy: record.requestedBy.startsWith("staff") ? "staff" : "customer",
    orders: erasedOrders,
    keys: deletedKeys,
    repeated: earlier !== undefined,
  });
  if (!earlier) metrics.addMetric("CustomersErased", MetricUnit.Count, 1);
  return record;
}
