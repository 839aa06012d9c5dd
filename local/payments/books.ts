/**
 * The simulated payment provider's books, kept by the local runtime: every charge the simulated
 * gateway settled and every refund it made, as Stripe's Dashboard lists them. The functions are given
 * a gateway that writes here (ProcessPayment, AfterSale), the provider's own refunds and 3-D Secure
 * outcomes (local/payments/service.ts) write here too, and the payment reconciliation reads it
 * (PaymentBooks). Kept in memory: a restarted runtime starts with empty books, and a reconciliation
 * then reports its earlier orders as charged without a charge (the README says so).
 */
import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentBooks,
  PaymentGateway,
  RefundRequest,
} from "../../lambdas/payments/ports";
import type { ProviderCharge } from "../../lambdas/payments/reconciliation";

interface BookedCharge {
  readonly chargeId: string;
  readonly orderId: string;
  amountMinor: number;
  readonly currency: string;
  readonly createdAt: string;
  status: "succeeded" | "pending" | "canceled";
}

export class SimulatedBooks implements PaymentBooks {
  readonly provider = "simulated";
  private readonly charges = new Map<string, BookedCharge>();
  /** Refunds by id, each on a charge: a repeated refund (the same id) is booked once. */
  private readonly refunds = new Map<string, { chargeId: string; amountMinor: number }>();

  /** The gateway the functions use: the simulated one, its results booked here. */
  gateway(inner: PaymentGateway): PaymentGateway {
    return {
      provider: inner.provider,
      charge: async (request: ChargeRequest): Promise<ChargeOutcome> => {
        const outcome = await inner.charge(request);
        if (!this.charges.has(outcome.chargeId)) {
          this.charges.set(outcome.chargeId, {
            chargeId: outcome.chargeId,
            orderId: request.orderId,
            amountMinor: request.amountMinor,
            currency: request.currency,
            createdAt: new Date().toISOString(),
            status: outcome.status === "succeeded" ? "succeeded" : "pending",
          });
        }
        return outcome;
      },
      refund: async (request: RefundRequest) => {
        const refund = await inner.refund(request);
        this.refunded(refund.refundId, request.chargeId, request.amountMinor);
        return refund;
      },
      cancel: async (request) => {
        const result = await inner.cancel(request);
        const charge = this.charges.get(request.chargeId);
        if (charge && charge.status === "pending" && result.status === "canceled") charge.status = "canceled";
        return result;
      },
    };
  }

  private chargeOf(orderId: string): BookedCharge | undefined {
    return [...this.charges.values()].find((charge) => charge.orderId === orderId);
  }

  /** A pending payment's outcome (the customer's 3-D Secure, the provider's event). */
  settled(orderId: string, outcome: "succeeded" | "failed"): void {
    const charge = this.chargeOf(orderId);
    if (charge?.status === "pending") charge.status = outcome === "succeeded" ? "succeeded" : "canceled";
  }

  /** A refund the provider made in its dashboard, on the order's charge. */
  refundedOutside(orderId: string, refundId: string, amountMinor: number): void {
    const charge = this.chargeOf(orderId);
    if (charge) this.refunded(refundId, charge.chargeId, amountMinor);
  }

  private refunded(refundId: string, chargeId: string, amountMinor: number): void {
    if (!this.refunds.has(refundId)) this.refunds.set(refundId, { chargeId, amountMinor });
  }

  async listCharges(since: Date): Promise<ProviderCharge[]> {
    const from = since.toISOString();
    return [...this.charges.values()]
      .filter((charge) => charge.status === "succeeded" && charge.createdAt >= from)
      .map((charge) => ({
        chargeId: charge.chargeId,
        orderId: charge.orderId,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        createdAt: charge.createdAt,
        refundedMinor: [...this.refunds.values()]
          .filter((refund) => refund.chargeId === charge.chargeId)
          .reduce((sum, refund) => sum + refund.amountMinor, 0),
      }));
  }

  /** For tests and demonstrations: books a charge the order system knows nothing of. */
  plantCharge(charge: Omit<BookedCharge, "status" | "createdAt">): void {
    this.charges.set(charge.chargeId, {
      ...charge,
      status: "succeeded",
      createdAt: new Date().toISOString(),
    });
  }

  /** For tests and demonstrations: the provider's record of a charge changes (or goes, with 0). */
  alterCharge(chargeId: string, amountMinor: number): void {
    const charge = this.charges.get(chargeId);
    if (!charge) return;
    if (amountMinor === 0) this.charges.delete(chargeId);
    else charge.amountMinor = amountMinor;
  }
}
