/**
 * A customer's personal data in the order system: what their export holds, and what an erasure
 * replaces. An erased order keeps everything the books need (its id, items, amounts, currency,
 * dates, status, payment and refund references) and loses what identifies the person: the e-mail
 * address becomes ERASED_ADDRESS and the client's Idempotency-Key goes.
 */
import { createHash } from "node:crypto";
import { emailAttributeOf, orderView, type CustomerEmailRecord, type OrderRecord } from "../orders/order";

/** Any e-mail address in a text (a provider's error message quoting the recipient). */
const ADDRESS = /[^\s@<>()"',;:]+@[^\s@<>()"',;:]+/g;

/** The text with every e-mail address replaced: what may be logged or kept of a provider's message. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, "[address]");
}

/** What an erased order's customerEmail says instead of the address. */
export const ERASED_ADDRESS = "[erased]";

export function isErasedAddress(address: string): boolean {
  return address === ERASED_ADDRESS;
}

/** The erasure record's key: a hash of the customer's id, so the record names nobody readable. */
export function erasureKeyOf(customerId: string): string {
  return `erasure#${createHash("sha256").update(`customer:${customerId}`).digest("hex")}`;
}

/** What an erasure did, kept (without personal data) as the proof it was done. */
export interface ErasureRecord {
  readonly requestId: string;
  /** `customer` (DELETE /me) or `staff:<their user id>`. */
  readonly requestedBy: string;
  readonly reason?: string;
  readonly at: string;
  readonly orders: number;
  readonly keys: number;
  readonly suppressed: boolean;
}

const EMAIL_KINDS = ["confirmation", "failure", "cancellation", "shipment"] as const;

/** The e-mails the system sent about one order: kind, when, what became of it (never the body). */
export function emailsOf(order: OrderRecord) {
  const records: [string, CustomerEmailRecord | undefined][] = [
    ...EMAIL_KINDS.map(
      (kind) => [kind, order[emailAttributeOf(kind)]] as [string, CustomerEmailRecord | undefined],
    ),
    ...(order.refunds ?? []).map(
      (r) =>
        [`refund ${r.refundId}`, order[emailAttributeOf({ kind: "refund", refundId: r.refundId })]] as [
          string,
          CustomerEmailRecord | undefined,
        ],
    ),
    ...(order.returns ?? []).flatMap((r): [string, CustomerEmailRecord | undefined][] => [
      [
        `return ${r.returnId} requested`,
        order[emailAttributeOf({ kind: "returnRequested", returnId: r.returnId })],
      ],
      [
        `return ${r.returnId} rejected`,
        order[emailAttributeOf({ kind: "returnRejected", returnId: r.returnId })],
      ],
      ...(r.receipts ?? []).map((receipt): [string, CustomerEmailRecord | undefined] => [
        `return ${r.returnId} received (${receipt.receiptId})`,
        order[
          emailAttributeOf({ kind: "returnReceived", returnId: r.returnId, receiptId: receipt.receiptId })
        ],
      ]),
    ]),
  ];
  return records.flatMap(([kind, record]) =>
    record
      ? [
          {
            orderId: order.orderId,
            kind,
            at: record.status === "SENT" ? record.sentAt : record.claimedAt,
            status: record.status,
          },
        ]
      : [],
  );
}

/** The customer's export (GDPR articles 15 and 20): their orders as the API shows them, and their e-mails. */
export function exportDocument(
  customer: { readonly customerId: string; readonly email?: string },
  orders: readonly OrderRecord[],
  suppressed: boolean,
  exportedAt: string,
) {
  const newestFirst = [...orders].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return {
    exportedAt,
    customer: { customerId: customer.customerId, email: customer.email ?? null },
    orders: newestFirst.map((order) => orderView(order)),
    emails: newestFirst.flatMap(emailsOf),
    emailSuppressed: suppressed,
  };
}
