/** The payment providers a deployment can charge through (Terraform variable payment_provider). */
export const PAYMENT_PROVIDERS = ["simulated", "stripe"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

export function isPaymentProvider(value: string): value is PaymentProvider {
  return (PAYMENT_PROVIDERS as readonly string[]).includes(value);
}

/** The Secrets Manager secret holding Stripe's secret key: created empty by the stack, filled by the user. */
export const stripeSecretName = (namePrefix: string): string => `${namePrefix}/stripe/secret-key`;

/** The signing secret of Stripe's webhook endpoint: created empty by the stack, filled by the user. */
export const stripeWebhookSecretName = (namePrefix: string): string => `${namePrefix}/stripe/webhook-secret`;

/** What the simulated gateway's "provider" says of a waiting payment (locally: POST /_local/payments/complete). */
export const SIMULATED_OUTCOMES = ["succeeded", "failed"] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];
