/** What CustomerData's routes work with. */
import { createObservability } from "../platform/observability";
import type { AddressSuppressions } from "../email/ports";
import type { CustomerAccounts, CustomerDataStore } from "../customers/ports";

export interface CustomerDataDeps {
  readonly store: CustomerDataStore;
  readonly suppressions: AddressSuppressions;
  readonly accounts: CustomerAccounts;
  readonly now?: () => Date;
}

export const observability = createObservability("customer-data");
