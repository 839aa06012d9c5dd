/** How often the stuck-order reconciler runs: EventBridge Scheduler deployed, a timer locally. */
export const RECONCILE_EVERY_MINUTES = 5;
export const RECONCILE_SCHEDULE_EXPRESSION = `rate(${RECONCILE_EVERY_MINUTES} minutes)`;

/** The payment reconciliation: once a day, at 03:15 UTC (after the provider's day has settled). */
export const PAYMENT_RECONCILE_SCHEDULE_EXPRESSION = "cron(15 3 * * ? *)";
/** The local twin's interval for the same run (a day), unless an option shortens it. */
export const PAYMENT_RECONCILE_EVERY_MS = 24 * 3600 * 1000;
