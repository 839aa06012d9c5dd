/**
 * The test cards each payment provider knows, and what each does: the console's place-order form
 * offers them and the banner quotes them.
 */
import { TEST_TOKENS } from "../../lambdas/payments/adapters/simulated-payment-gateway";
import type { PaymentProvider } from "../../lambdas/platform/payment-providers";

export interface TestCard {
  readonly token: string;
  readonly outcome: string;
}

export const TEST_CARDS: Record<PaymentProvider, readonly TestCard[]> = {
  simulated: [
    ...TEST_TOKENS.success.map((token) => ({ token, outcome: "succeeds" })),
    { token: TEST_TOKENS.declined, outcome: "declined (PaymentDeclined): the failure path" },
    { token: TEST_TOKENS.insufficientFunds, outcome: "insufficient funds: the failure path" },
    { token: TEST_TOKENS.processingError, outcome: "gateway error first, retried, then charged" },
    {
      token: TEST_TOKENS.threeDSecureRequired,
      outcome: "needs 3-D Secure: the order waits until completed or failed (the journey's buttons)",
    },
    { token: TEST_TOKENS.processing, outcome: "settles later: the order waits for the provider's event" },
  ],
  // Stripe's own test payment methods (test mode).
  stripe: [
    { token: "pm_card_visa", outcome: "succeeds" },
    { token: "tok_visa", outcome: "succeeds" },
    { token: "pm_card_chargeDeclined", outcome: "declined: the failure path" },
    { token: "pm_card_chargeDeclinedInsufficientFunds", outcome: "insufficient funds: the failure path" },
    {
      token: "pm_card_authenticationRequired",
      outcome:
        "needs 3-D Secure: the order waits for Stripe's event (stripe listen --forward-to …/webhooks/stripe)",
    },
  ],
};

/** The first card with this outcome (the banner's "succeeds" and "fails" examples). */
export function testCard(provider: PaymentProvider, outcome: "succeeds" | "declined"): string {
  const card = TEST_CARDS[provider].find((c) => c.outcome.startsWith(outcome));
  if (!card) throw new Error(`No ${provider} test card ${outcome}`);
  return card.token;
}
