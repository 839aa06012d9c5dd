/**
 * The Stripe adapter of the payment port, through Stripe's official SDK. A charge is one confirmed
 * PaymentIntent, a refund one Refund, each sent with an idempotency key derived from the order, so a
 * retried step (the SDK's own retry, the workflow's Retry, a redelivered execution) reaches Stripe as
 * the same request and never charges or refunds twice.
 */
import type { Stripe } from "stripe";
import { BusinessError, TransientError } from "../../platform/errors";

import type { ProviderCharge } from "../reconciliation";
import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentBooks,
  PaymentGateway,
  PaymentLookup,
  ProviderPayment,
  ProviderRefund,
  RefundRequest,
} from "../ports";

/** Pinned: the SDK's types describe this API version, and requests say so in `Stripe-Version`. */
export const STRIPE_API_VERSION = "2026-10-28.endive";

/** Stripe caches a response per idempotency key for 24 hours; the workflow's retries end well before. */
export const idempotencyKeys = {
  charge: (orderId: string) => `order-${orderId}-charge`,
  paymentMethod: (orderId: string) => `order-${orderId}-payment-method`,
  refund: (orderId: string, refundKey?: string) =>
    refundKey ? `order-${orderId}-refund-${refundKey}` : `order-${orderId}-refund`,
  cancel: (orderId: string) => `order-${orderId}-cancel`,
};

export interface StripeGatewayOptions {
  /** The secret key, resolved at first use (Secrets Manager on AWS, the local stand-in locally). */
  readonly secretKey: () => Promise<string>;
  /** Another API host, e.g. http://127.0.0.1:12111 for a stand-in; empty: api.stripe.com. */
  readonly apiBase?: string;
  /** Per-request timeout; the function's own timeout (20 s) leaves room for one SDK retry. */
  readonly timeoutMs?: number;
}

type StripeClient = InstanceType<typeof Stripe>;

/** What Stripe says for a declined card's reason when it gives none. */
const UNSPECIFIED_DECLINE = "generic_decline";

/** How many of a payment's refunds are read at most (Stripe pages them; a payment has a handful). */
const MAX_REFUNDS_READ = 1000;

export class StripePaymentGateway implements PaymentGateway, PaymentLookup, PaymentBooks {
  readonly provider = "stripe";
  private client?: { readonly key: string; readonly sdk: StripeClient };

  constructor(private readonly options: StripeGatewayOptions) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const stripe = await this.stripe();
    try {
      const paymentMethod = await this.paymentMethodFor(stripe, request);
      const intent = await stripe.paymentIntents.create(
        {
          amount: request.amountMinor,
          currency: request.currency.toLowerCase(),
          confirm: true,
          // Cards only: nothing here can follow a redirect or a wallet's hand-off.
          allowed_payment_method_types: ["card"],
          payment_method: paymentMethod,
          metadata: { orderId: request.orderId },
          description: `Order ${request.orderId}`,
          // 3-D Secure is finished by the storefront with Stripe.js (handleNextAction).
          use_stripe_sdk: true,
        },
        { idempotencyKey: idempotencyKeys.charge(request.orderId) },
      );
      return chargeOutcome(intent);
    } catch (error) {
      throw asPaymentError(error);
    }
  }

  async refund(request: RefundRequest): Promise<{ readonly refundId: string }> {
    const stripe = await this.stripe();
    try {
      const refund = await stripe.refunds.create(
        {
          payment_intent: request.chargeId,
          // The saga's refund is the whole payment; a staff refund names its amount.
          ...(request.refundKey ? { amount: request.amountMinor } : {}),
          metadata: {
            orderId: request.orderId,
            ...(request.refundKey ? { refundKey: request.refundKey } : {}),
          },
        },
        { idempotencyKey: idempotencyKeys.refund(request.orderId, request.refundKey) },
      );
      return { refundId: refund.id };
    } catch (error) {
      // Refunded already (from the Dashboard, or by a call whose answer was lost past the key's
      // 24 hours): the refund that exists is the one to record.
      if (!request.refundKey && isStripeError(error) && error.code === "charge_already_refunded") {
        const existing = await stripe.refunds.list({ payment_intent: request.chargeId, limit: 1 });
        const first = existing.data[0];
        if (first) return { refundId: first.id };
      }
      throw asPaymentError(error);
    }
  }

  /**
   * Cancels a PaymentIntent that has not settled. Canceled already: the same answer. Succeeded
   * meanwhile (the customer authenticated as the wait ended): `succeeded`, for the caller to refund.
   */
  async cancel(request: {
    readonly orderId: string;
    readonly chargeId: string;
  }): Promise<{ readonly status: "canceled" | "succeeded" }> {
    const stripe = await this.stripe();
    try {
      await stripe.paymentIntents.cancel(
        request.chargeId,
        { cancellation_reason: "abandoned" },
        { idempotencyKey: idempotencyKeys.cancel(request.orderId) },
      );
      return { status: "canceled" };
    } catch (error) {
      if (isStripeError(error) && error.code === "payment_intent_unexpected_state") {
        const intent = await stripe.paymentIntents.retrieve(request.chargeId);
        if (intent.status === "canceled") return { status: "canceled" };
        if (intent.status === "succeeded") return { status: "succeeded" };
      }
      throw asPaymentError(error);
    }
  }

  /**
   * A PaymentMethod id (`pm_…`, including Stripe's test methods such as pm_card_visa) is used as it
   * is; a card token (`tok_…`) becomes a PaymentMethod first, under its own idempotency key.
   */
  private async paymentMethodFor(stripe: StripeClient, request: ChargeRequest): Promise<string> {
    if (!request.paymentToken.startsWith("tok_")) return request.paymentToken;
    const method = await stripe.paymentMethods.create(
      { type: "card", card: { token: request.paymentToken } },
      { idempotencyKey: idempotencyKeys.paymentMethod(request.orderId) },
    );
    return method.id;
  }

  /**
   * The PaymentIntent's order (its metadata) and every refund made on it, this system's (they name
   * the order in their metadata) and others (made in Stripe's Dashboard), paged.
   */
  async describePayment(chargeId: string): Promise<ProviderPayment | undefined> {
    const stripe = await this.stripe();
    try {
      const intent = await stripe.paymentIntents.retrieve(chargeId);
      const refunds: ProviderRefund[] = [];
      for await (const refund of stripe.refunds.list({ payment_intent: chargeId, limit: 100 })) {
        refunds.push({
          refundId: refund.id,
          amountMinor: refund.amount,
          status: refund.status ?? "succeeded",
          ...(refund.reason ? { reason: refund.reason } : {}),
          createdAt: new Date(refund.created * 1000).toISOString(),
          madeByOrderSystem: Boolean(refund.metadata?.orderId),
        });
        if (refunds.length >= MAX_REFUNDS_READ) break;
      }
      return { orderId: intent.metadata?.orderId || undefined, refunds };
    } catch (error) {
      // A payment Stripe does not know is an answer, not a failure: its event is acknowledged.
      if (isStripeError(error) && error.statusCode === 404 && error.code === "resource_missing") {
        return undefined;
      }
      throw asPaymentError(error);
    }
  }

  /**
   * The succeeded PaymentIntents created since `since` and the refunds made on them (both listed by
   * creation time, paged by the SDK): the provider's side of the reconciliation.
   */
  async listCharges(since: Date): Promise<ProviderCharge[]> {
    const stripe = await this.stripe();
    const created = { gte: Math.floor(since.getTime() / 1000) };
    try {
      const refunded = new Map<string, number>();
      for await (const refund of stripe.refunds.list({ created, limit: 100 })) {
        const intent =
          typeof refund.payment_intent === "string" ? refund.payment_intent : refund.payment_intent?.id;
        if (!intent || !["succeeded", "pending"].includes(refund.status ?? "")) continue;
        refunded.set(intent, (refunded.get(intent) ?? 0) + refund.amount);
      }
      const charges: ProviderCharge[] = [];
      for await (const intent of stripe.paymentIntents.list({ created, limit: 100 })) {
        if (intent.status !== "succeeded") continue;
        charges.push({
          chargeId: intent.id,
          orderId: intent.metadata?.orderId || undefined,
          amountMinor: intent.amount_received || intent.amount,
          currency: intent.currency,
          createdAt: new Date(intent.created * 1000).toISOString(),
          refundedMinor: refunded.get(intent.id) ?? 0,
        });
      }
      return charges;
    } catch (error) {
      throw asPaymentError(error);
    }
  }

  /**
   * The SDK is loaded at the first payment, not at cold start. The key is asked for at every
   * payment (the caller caches it: Powertools Parameters), and a rotated key gets a new client.
   */
  private async stripe(): Promise<StripeClient> {
    const [{ default: StripeSdk }, key] = await Promise.all([import("stripe"), this.options.secretKey()]);
    if (this.client?.key !== key) {
      const sdk = new StripeSdk(key, {
        apiVersion: STRIPE_API_VERSION,
        maxNetworkRetries: 1,
        timeout: this.options.timeoutMs ?? 8000,
        telemetry: false,
        ...hostOf(this.options.apiBase),
      });
      this.client = { key, sdk };
    }
    return this.client.sdk;
  }
}

/** host/port/protocol of an API base URL, for the SDK's own settings. */
function hostOf(apiBase: string | undefined): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: url.port || (protocol === "http" ? 80 : 443), protocol };
}

/**
 * A card error asking for authentication comes from a payment the customer was not present for
 * (Stripe asks for it off-session): nobody can authenticate it now.
 */
function requiresCustomerAction(): BusinessError {
  return new BusinessError(
    "PaymentRequiresAction",
    "The card needs the customer's authentication (3-D Secure), which could not be asked for this payment.",
  );
}

/**
 * A confirmed PaymentIntent as the port's outcome: settled, waiting for the customer's 3-D Secure
 * (its client secret goes to the storefront), or processing (not settled: the order waits for the
 * event). Any other status is a refusal.
 */
function chargeOutcome(intent: Stripe.PaymentIntent): ChargeOutcome {
  switch (intent.status) {
    case "succeeded":
      return { status: "succeeded", chargeId: intent.id };
    case "processing":
      return { status: "processing", chargeId: intent.id };
    case "requires_action":
      if (intent.client_secret) {
        return { status: "requires_action", chargeId: intent.id, clientSecret: intent.client_secret };
      }
      throw requiresCustomerAction();
    default: {
      const error = intent.last_payment_error;
      throw new BusinessError(
        "PaymentDeclined",
        `The card was declined (${error?.decline_code || error?.code || UNSPECIFIED_DECLINE}).`,
      );
    }
  }
}

interface StripeErrorShape {
  readonly type: string;
  readonly code?: string;
  readonly decline_code?: string;
  readonly param?: string;
  readonly statusCode?: number;
  readonly message: string;
}

function isStripeError(error: unknown): error is StripeErrorShape {
  return (
    error instanceof Error && typeof (error as { type?: unknown }).type === "string" && "rawType" in error
  );
}

/**
 * Stripe's errors as the workflow understands them: a card's refusal is a business outcome, never
 * retried; a rate limit, a lost connection, a 5xx or a concurrent request with the same key is
 * transient, retried with the same key. Messages carry codes, never the key or card data.
 */
export function asPaymentError(error: unknown): Error {
  if (error instanceof BusinessError || error instanceof TransientError) return error;
  if (!isStripeError(error)) return error instanceof Error ? error : new Error(String(error));
  const { type, code, statusCode } = error;
  // The SDK gives a card error without a reason an empty decline_code.
  const declineCode = error.decline_code || code || UNSPECIFIED_DECLINE;
  if (type === "StripeCardError") {
    if (declineCode === "insufficient_funds") {
      return new BusinessError("InsufficientFunds", "The card was declined: insufficient funds.");
    }
    if (declineCode === "authentication_required") {
      return requiresCustomerAction();
    }
    return new BusinessError("PaymentDeclined", `The card was declined (${declineCode}).`);
  }
  const transient =
    type === "StripeRateLimitError" ||
    type === "StripeConnectionError" ||
    type === "StripeAPIError" ||
    (type === "StripeIdempotencyError" && statusCode === 409) ||
    (statusCode !== undefined && statusCode >= 500);
  if (transient) {
    return new TransientError(
      "PaymentGatewayUnavailable",
      `Stripe did not complete the request (${type}${statusCode ? ` ${statusCode}` : ""}): ${error.message}`,
    );
  }
  // A payment method Stripe does not know (a made-up or another account's token) is the customer's.
  if (
    type === "StripeInvalidRequestError" &&
    code === "resource_missing" &&
    /^(payment_method|card)/.test(error.param ?? "")
  ) {
    return new BusinessError("PaymentDeclined", "The payment method was not accepted (resource_missing).");
  }
  // A wrong key, a missing permission or a request Stripe refuses: nobody's card is at fault.
  const failure = new Error(
    `Stripe refused the request (${type}${code ? `, ${code}` : ""}): ${error.message}`,
  );
  failure.name =
    type === "StripeAuthenticationError" || type === "StripePermissionError"
      ? "PaymentGatewayMisconfigured"
      : "PaymentGatewayRejected";
  return failure;
}
