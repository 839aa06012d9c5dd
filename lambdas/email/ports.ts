import type { CustomerEmailData } from "./customer-emails";
import type { CustomerEmailKind } from "../orders/order";

export interface CustomerEmail {
  readonly to: string;
  readonly kind: CustomerEmailKind;
  readonly data: CustomerEmailData;
}

export interface CustomerMailer {
  /**
   * Sends one templated e-mail; SES's message id. Throws EmailRejected for a refusal no retry can
   * change (an unverified recipient in the SES sandbox, a bad address); anything else is transient.
   */
  send(email: CustomerEmail): Promise<{ readonly messageId: string }>;
}

/** Addresses the store no longer mails: hard bounces and complaints (SES feedback). */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
  /** "exists" when the address was suppressed already (the first reason is kept). */
  suppress(address: string, reason: "BOUNCE" | "COMPLAINT", at: string): Promise<"added" | "exists">;
}
