import type { ErasureRecord } from "./personal-data";
import type { OrderRecord } from "../orders/order";

/** A customer's orders and keys, read and erased (every write conditional on their customerId). */
export interface CustomerDataStore {
  /** Every order of the customer (the customer index, then each order whole). */
  ordersOf(customerId: string): Promise<OrderRecord[]>;
  /** Replaces the order's personal fields; false when it was erased already (or is not theirs). */
  eraseOrder(orderId: string, customerId: string, at: string): Promise<boolean>;
  /** Deletes an idempotency-key record of theirs; false when it was gone. */
  deleteKey(keyHash: string, orderId: string): Promise<boolean>;
  erasureOf(customerId: string): Promise<ErasureRecord | undefined>;
  recordErasure(customerId: string, record: ErasureRecord): Promise<void>;
}

/** The customers' accounts (the Cognito user pool). */
export interface CustomerAccounts {
  /** Deletes the account; its tokens are refused from then on (locally at once; see docs). */
  delete(customerId: string): Promise<"deleted" | "absent">;
}

/**
 * The e-mail suppression list as an erasure sees it (email/'s DynamoDB suppression list is one):
 * a suppressed address stays suppressed, kept as its hash only.
 */
export interface AddressSuppressions {
  isSuppressed(address: string): Promise<boolean>;
  /** Keeps a suppressed address as its hash only; true when it is suppressed. */
  keepHashOnly(address: string): Promise<boolean>;
}
