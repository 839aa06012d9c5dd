/**
 * The payment gateways a function reaches, from its configuration: the one the deployment charges
 * through (payment_provider), and the simulated one, which can always refund what it charged (an
 * order charged before the deployment switched providers). Shared by every function that moves money.
 */
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { SimulatedPaymentGateway } from "./adapters/simulated-payment-gateway";
import { StripePaymentGateway } from "./adapters/stripe-payment-gateway";
import { asWorkflowError, isUnreachable } from "./errors";
import { isPaymentProvider, PAYMENT_PROVIDERS, type PaymentProvider } from "./payment-providers";
import type { PaymentGateway } from "./ports";
import { CONFIG } from "../contracts";

/** The Stripe secret key is read at most once per this many seconds per execution environment. */
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

/** The key from Secrets Manager through Powertools Parameters, cached for SECRET_KEY_MAX_AGE_SECONDS. */
export async function stripeSecretKey(secretArn: string): Promise<string> {
  try {
    const key = await getSecret<string>(secretArn, { maxAge: SECRET_KEY_MAX_AGE_SECONDS });
    if (typeof key === "string" && key.trim() !== "") return key.trim();
  } catch (error) {
    if (isUnreachable(error)) throw asWorkflowError(error);
    // Secrets Manager has no value for a secret nobody filled in yet (ResourceNotFoundException).
  }
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
