import { createHash } from "node:crypto";
import { BusinessError, TransientError } from "../../platform/errors";
import type { ChargeOutcome, ChargeRequest, PaymentGateway, RefundRequest } from "../ports";

/**
 * A deterministic stand-in for a card processor, using Stripe-style test tokens. It moves no money:
 * a real provider is another PaymentGateway adapter. Charge and refund ids are derived from the
 * order id, so charging the same order twice yields the same charge (idempotency by orderId).
 */
export const TEST_TOKENS = {
  /** Succeeds. Any other well-formed token not listed below also succeeds. */
  success: ["tok_visa", "tok_mastercard", "tok_amex", "tok_visa_debit"],
  /** Declined card: a business error, never retried. */
  declined: "tok_chargeDeclined",
  /** Declined for insufficient funds (InsufficientFunds): a business error, never retried. */
  insufficientFunds: "tok_insufficientFunds",
  /** The gateway fails transiently for the first N attempts of the order, then recovers. */
  processingError: "tok_processingError",
  /**
   * The card asks for 3-D Secure: the payment waits for the customer (`requires_action`) until the
   * simulated provider's event says how it ended (locally: POST /_local/payments/complete).
   */
  threeDSecureRequired: "tok_threeDSecureRequired",
  /** The payment is accepted but not settled (`processing`) until the provider's event. */
  processing: "tok_processing",
} as const;

export interface SimulatedGatewayOptions {
  /** How many attempts of a `tok_processingError` charge fail before the gateway recovers. */
  readonly transientFailures: number;
}

const derivedId = (prefix: string, orderId: string): string =>
  `${prefix}_${createHash("sha256").update(orderId).digest("hex").slice(0, 24)}`;

export class SimulatedPaymentGateway implements PaymentGateway {
  readonly provider = "simulated";

  constructor(private readonly options: SimulatedGatewayOptions = { transientFailures: 1 }) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    switch (request.paymentToken) {
      case TEST_TOKENS.declined:
        throw new BusinessError("PaymentDeclined", "The card was declined.");
      case TEST_TOKENS.insufficientFunds:
        throw new BusinessError("InsufficientFunds", "The card was declined: insufficient funds.");
      case TEST_TOKENS.processingError:
        if (request.attempt <= this.options.transientFailures) {
          throw new TransientError(
            "PaymentGatewayUnavailable",
            `The payment gateway had a processing error (attempt ${request.attempt}).`,
          );
        }
        break;
    }
    if (request.amountMinor <= 0) {
      throw new BusinessError("PaymentDeclined", "The amount to charge must be positive.");
    }
    const chargeId = derivedId("ch", request.orderId);
    if (request.paymentToken === TEST_TOKENS.threeDSecureRequired) {
      return { status: "requires_action", chargeId, clientSecret: `${chargeId}_secret_simulated` };
    }
    if (request.paymentToken === TEST_TOKENS.processing) return { status: "processing", chargeId };
    return { status: "succeeded", chargeId };
  }

  /** Nothing settles here on its own: a pending payment is canceled (a settled one is refunded by the caller). */
  async cancel(): Promise<{ readonly status: "canceled" }> {
    return { status: "canceled" };
  }

  async refund(request: RefundRequest): Promise<{ readonly refundId: string }> {
    const which = request.refundKey ? `/${request.refundKey}` : "";
    return { refundId: derivedId("re", `${request.orderId}/${request.chargeId}${which}`) };
  }
}
