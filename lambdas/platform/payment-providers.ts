/**
 * The payment providers a deployment can charge through (Terraform variable payment_provider): a
 * deployment setting the stack, the configuration, the local runtime and the order record all name.
 */
export const PAYMENT_PROVIDERS = ["simulated", "stripe"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

export function isPaymentProvider(value: string): value is PaymentProvider {
  return (PAYMENT_PROVIDERS as readonly string[]).includes(value);
}
