/** What CustomerData's routes work with. */
import { createObservability } from "../platform/observability";
import type { ErasureDeps } from "../customers/erasure";

/** The erasure's collaborators are all the routes need (the export reads the same store). */
export type CustomerDataDeps = ErasureDeps;

export const observability = createObservability("customer-data");
