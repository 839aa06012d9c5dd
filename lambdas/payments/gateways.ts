/**
 * The payment gateways a function reaches, from its configuration: the one the deployment charges
 * through (payment_provider), and the simulated one, which can always refund what it charged (an
 * order charged before the deployment switched providers). Shared by every function that moves money.
 */
import { SimulatedPaymentGateway } from "./adapters/simulated-payment-gateway";
import { StripePaymentGateway } from "./adapters/stripe-payment-gateway";
import { asWorkflowError, isUnreachable } from "../platform/errors";
import { isPaymentProvider, PAYMENT_PROVIDERS, type PaymentProvider } from "../platform/payment-providers";
import type { PaymentGateway } from "./ports";
import { CONFIG } from "../platform/config";

/**
 * A Stripe secret (the key, the webhook's signing secret) is read at most once per this many seconds
 * per execution environment.
 */
export const SECRET_KEY_MAX_AGE_SECONDS = 300;

export type Gateways = { readonly [P in PaymentProvider]?: PaymentGateway };

export interface PaymentGatewayConfig {
  readonly paymentGateway: string;
  readonly simulatedGatewayTransientFailures: string;
  readonly stripeSecretArn: string;
  readonly stripeApiBase: string;
}

export function gatewaysFrom(config: PaymentGatewayConfig): {
  readonly current: PaymentProvider;
  readonly gateways: Gateways;
} {
  const current = config.paymentGateway;
  if (!isPaymentProvider(current)) {
    throw new Error(`${CONFIG.paymentGateway.env}=${current} is not one of ${PAYMENT_PROVIDERS.join(", ")}.`);
  }
  const failures = Number(config.simulatedGatewayTransientFailures);
  if (!Number.isInteger(failures) || failures < 0) {
    throw new Error(
      `${CONFIG.simulatedGatewayTransientFailures.env} must be a whole number of attempts (0 or more).`,
    );
  }
  const simulated = new SimulatedPaymentGateway({ transientFailures: failures });
  if (current === "simulated") return { current, gateways: { simulated } };
  const secretArn = config.stripeSecretArn;
  if (secretArn === "") {
    throw new Error(
      `${CONFIG.paymentGateway.env}=stripe needs ${CONFIG.stripeSecretArn.env}, the secret holding Stripe's key.`,
    );
  }
  const stripe = new StripePaymentGateway({
    secretKey: () => stripeSecretKey(secretArn),
    apiBase: config.stripeApiBase,
  });
  return { current, gateways: { simulated, stripe } };
}

/**
 * A secret's value from Secrets Manager through Powertools Parameters, cached for
 * SECRET_KEY_MAX_AGE_SECONDS; undefined when nobody has filled it in yet. Both are loaded with the
 * first Stripe call: a deployment without Stripe never loads Secrets Manager's client.
 */
export async function stripeSecretValue(secretArn: string): Promise<string | undefined> {
  if (secretArn === "") return undefined;
  try {
    const { getSecret } = await import("@aws-lambda-powertools/parameters/secrets");
    const value = await getSecret<string>(secretArn, { maxAge: SECRET_KEY_MAX_AGE_SECONDS });
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  } catch (error) {
    if (isUnreachable(error)) throw asWorkflowError(error);
    return undefined; // Secrets Manager has no value for a secret nobody filled in yet (ResourceNotFoundException).
  }
}

/** Stripe's secret key; a secret nobody filled in is said so, naming it. */
export async function stripeSecretKey(secretArn: string): Promise<string> {
  const key = await stripeSecretValue(secretArn);
  if (key) return key;
  const failure = new Error(
    `The Stripe secret key is not set: put it into the secret ${secretArn} (README: Payments).`,
  );
  failure.name = "PaymentGatewayMisconfigured";
  throw failure;
}

/** The gateway of a provider; a provider the deployment cannot reach is said so, by name. */
export function gatewayOf(
  deps: { readonly current: PaymentProvider; readonly gateways: Gateways },
  provider: PaymentProvider,
): PaymentGateway {
  const gateway = deps.gateways[provider];
  if (gateway) return gateway;
  const failure = new Error(
    `The order was charged through ${provider}, which this deployment is not configured for (payment_provider = ${deps.current}); refund it in ${provider} by hand.`,
  );
  failure.name = "PaymentProviderUnavailable";
  throw failure;
}
