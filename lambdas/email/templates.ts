/**
 * The customer e-mails' templates, defined once: the stack deploys them as SES templates, SES renders
 * them (Handlebars syntax) with the data customer-emails.ts builds, and the local runtime renders the
 * same definitions with Handlebars. Handlers send by template name only, so none of them bundles this.
 */
import type { CustomerEmailKind } from "../orders/order";

export interface EmailTemplate {
  /** `<prefix>-<suffix>` is the SES template's name. */
  readonly suffix: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** HTML parts use `{{…}}` (escaped); text parts `{{{…}}}` (no HTML escaping in plain text). */
export const EMAIL_TEMPLATES: Readonly<Record<CustomerEmailKind, EmailTemplate>> = {
  confirmation: {
    suffix: "order-confirmation",
    subject: "Your order {{orderId}} is confirmed",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>Thank you for your order</h1>",
      "<p>Order <strong>{{orderId}}</strong>, placed {{placedAt}}, is confirmed.</p>",
      '<table cellpadding="6" style="border-collapse: collapse">',
      '<tr><th align="left">Item</th><th align="right">Quantity</th><th align="right">Price</th><th align="right">Amount</th></tr>',
      "{{#each items}}",
      '<tr><td>{{name}} <small>({{productId}})</small></td><td align="right">{{quantity}}</td><td align="right">{{unitPrice}}</td><td align="right">{{lineTotal}}</td></tr>',
      "{{/each}}",
      '<tr><td colspan="3" align="right"><strong>Total</strong></td><td align="right"><strong>{{total}}</strong></td></tr>',
      "</table>",
      "</body></html>",
    ].join("\n"),
    text: [
      "Thank you for your order.",
      "",
      "Order {{{orderId}}}, placed {{{placedAt}}}, is confirmed.",
      "",
      "{{#each items}}",
      "- {{{quantity}}} x {{{name}}} ({{{productId}}}) at {{{unitPrice}}} = {{{lineTotal}}}",
      "{{/each}}",
      "",
      "Total: {{{total}}}",
    ].join("\n"),
  },
  failure: {
    suffix: "order-failed",
    subject: "We could not complete your order {{orderId}}",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>We could not complete your order</h1>",
      "<p>Order <strong>{{orderId}}</strong>, placed {{placedAt}}: {{reason}}</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "We could not complete your order.",
      "",
      "Order {{{orderId}}}, placed {{{placedAt}}}: {{{reason}}}",
    ].join("\n"),
  },
  cancellation: {
    suffix: "order-cancelled",
    subject: "Your order {{orderId}} is cancelled",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>Your order is cancelled</h1>",
      "<p>Order <strong>{{orderId}}</strong>, placed {{placedAt}}, was cancelled on {{cancelledAt}}.</p>",
      "<p>{{money}}</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "Your order is cancelled.",
      "",
      "Order {{{orderId}}}, placed {{{placedAt}}}, was cancelled on {{{cancelledAt}}}.",
      "",
      "{{{money}}}",
    ].join("\n"),
  },
  refund: {
    suffix: "order-refunded",
    subject: "We refunded {{amount}} on your order {{orderId}}",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>Your refund</h1>",
      "<p>We refunded <strong>{{amount}}</strong> on order <strong>{{orderId}}</strong> ({{reason}}).</p>",
      "<p>It goes back to the card you paid with and can take 5 to 10 business days to appear. Refunded so far on this order: {{refundedTotal}}.</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "Your refund.",
      "",
      "We refunded {{{amount}}} on order {{{orderId}}} ({{{reason}}}).",
      "It goes back to the card you paid with and can take 5 to 10 business days to appear.",
      "Refunded so far on this order: {{{refundedTotal}}}.",
    ].join("\n"),
  },
  shipment: {
    suffix: "order-shipped",
    subject: "Your order {{orderId}} is on its way",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>Your order is on its way</h1>",
      "<p>Order <strong>{{orderId}}</strong> was shipped on {{shippedAt}} with {{carrier}}.</p>",
      "<p>Tracking number: <strong>{{trackingNumber}}</strong></p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "Your order is on its way.",
      "",
      "Order {{{orderId}}} was shipped on {{{shippedAt}}} with {{{carrier}}}.",
      "Tracking number: {{{trackingNumber}}}",
    ].join("\n"),
  },
  returnRequested: {
    suffix: "return-requested",
    subject: "Your return on order {{orderId}}",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>We received your return request</h1>",
      "<p>Return <strong>{{returnId}}</strong> on order <strong>{{orderId}}</strong> ({{reason}}):</p>",
      "<ul>{{#each items}}<li>{{quantity}} x {{name}} <small>({{productId}})</small></li>{{/each}}</ul>",
      "<p>What happens next: send these items back to us. When they arrive we check them and refund what we received to the card you paid with; we e-mail you then.</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "We received your return request.",
      "",
      "Return {{{returnId}}} on order {{{orderId}}} ({{{reason}}}):",
      "{{#each items}}",
      "- {{{quantity}}} x {{{name}}} ({{{productId}}})",
      "{{/each}}",
      "",
      "What happens next: send these items back to us. When they arrive we check them and refund what we received to the card you paid with; we e-mail you then.",
    ].join("\n"),
  },
  returnReceived: {
    suffix: "return-received",
    subject: "We received your return on order {{orderId}}",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>We received your return</h1>",
      "<p>Return <strong>{{returnId}}</strong> on order <strong>{{orderId}}</strong>: we received</p>",
      "<ul>{{#each items}}<li>{{quantity}} x {{name}} <small>({{productId}})</small></li>{{/each}}</ul>",
      "<p>We refunded <strong>{{amount}}</strong> to the card you paid with; it can take 5 to 10 business days to appear. Refunded so far on this order: {{refundedTotal}}.</p>",
      "<p>{{progress}}</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "We received your return.",
      "",
      "Return {{{returnId}}} on order {{{orderId}}}: we received",
      "{{#each items}}",
      "- {{{quantity}}} x {{{name}}} ({{{productId}}})",
      "{{/each}}",
      "",
      "We refunded {{{amount}}} to the card you paid with; it can take 5 to 10 business days to appear.",
      "Refunded so far on this order: {{{refundedTotal}}}.",
      "",
      "{{{progress}}}",
    ].join("\n"),
  },
  returnRejected: {
    suffix: "return-rejected",
    subject: "Your return on order {{orderId}} was not accepted",
    html: [
      "<!doctype html>",
      '<html><body style="font-family: sans-serif">',
      "<h1>Your return was not accepted</h1>",
      "<p>Return <strong>{{returnId}}</strong> on order <strong>{{orderId}}</strong> was not accepted: {{reason}}</p>",
      "<p>Nothing was refunded for it. Reply to this e-mail if you have questions.</p>",
      "</body></html>",
    ].join("\n"),
    text: [
      "Your return was not accepted.",
      "",
      "Return {{{returnId}}} on order {{{orderId}}} was not accepted: {{{reason}}}",
      "",
      "Nothing was refunded for it. Reply to this e-mail if you have questions.",
    ].join("\n"),
  },
};

export function emailTemplateName(namePrefix: string, kind: CustomerEmailKind): string {
  return `${namePrefix}-${EMAIL_TEMPLATES[kind].suffix}`;
}
