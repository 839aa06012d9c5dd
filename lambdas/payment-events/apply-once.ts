/**
 * The first-use module of PaymentEvents (scripts/bundle.ts bundles it beside index.js and loads it
 * with the first event): Powertools Idempotency, the adapter that applies each event once.
 */
export { powertoolsApplyOnce } from "../payments/adapters/powertools-apply-once";
