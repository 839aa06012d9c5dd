/** What CustomerData's routes work with. */
import { createObservability } from "../shared/observability";
import type { AddressSuppressions, CustomerAccounts, CustomerDataStore } from "../shared/ports";

export interface CustomerDataDeps {
  readonly store: CustomerDataStore;
  readonly suppressions: AddressSuppressions;
  readonly accounts: CustomerAccounts;
  readonly now?: () => Date;
}

export const observability = createObservability("customer-data");
