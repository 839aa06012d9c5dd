/** Payments' provider-specific names: the Stripe secrets the stack creates empty, the simulated outcomes. */
/** The Secrets Manager secret holding Stripe's secret key: created empty by the stack, filled by the user. */
export const stripeSecretName = (namePrefix: string): string => `${namePrefix}/stripe/secret-key`;

/** The signing secret of Stripe's webhook endpoint: created empty by the stack, filled by the user. */
export const stripeWebhookSecretName = (namePrefix: string): string => `${namePrefix}/stripe/webhook-secret`;

/** What the simulated gateway's "provider" says of a waiting payment (locally: POST /_local/payments/complete). */
export const SIMULATED_OUTCOMES = ["succeeded", "failed"] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];
