/** How often the stuck-order reconciler runs: EventBridge Scheduler deployed, a timer locally. */
export const RECONCILE_EVERY_MINUTES = 5;
export const RECONCILE_SCHEDULE_EXPRESSION = `rate(${RECONCILE_EVERY_MINUTES} minutes)`;
