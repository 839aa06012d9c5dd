/**
 * The customer e-mails as SES renders them: the shared template definitions compiled with Handlebars
 * (SES's template language), filled with the data OrderSuccessHandler sends.
 */
import Handlebars from "handlebars";
import { confirmationEmailData, customerDate, failureEmailData } from "../../lambdas/email/customer-emails";
import { type CustomerEmailKind } from "../../lambdas/orders/order";
import { EMAIL_TEMPLATES } from "../../lambdas/email/templates";
import { orderRecord } from "../support/orders";

const render = (kind: CustomerEmailKind, data: unknown) => {
  const t = EMAIL_TEMPLATES[kind];
  const compile = (source: string) => Handlebars.compile(source, { strict: true })(data);
  return { subject: compile(t.subject), text: compile(t.text), html: compile(t.html) };
};

const order = orderRecord({
  orderId: "0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f",
  status: "CONFIRMED",
  createdAt: "2026-11-25T09:15:00.000Z",
  currency: "USD",
  totalMinor: 3 * 1999 + 5950 + 1575,
  lines: [
    {
      productId: "SKU-1001",
      name: "Classic Cotton T-Shirt",
      quantity: 3,
      unitPriceMinor: 1999,
      lineTotalMinor: 5997,
    },
    {
      productId: "SKU-1002",
      name: "Slim Fit Jeans",
      quantity: 1,
      unitPriceMinor: 5950,
      lineTotalMinor: 5950,
    },
    {
      productId: "SKU-1010",
      name: "Men's <Wool> Beanie & Co",
      quantity: 1,
      unitPriceMinor: 1575,
      lineTotalMinor: 1575,
    },
  ],
});

test("a multi-item confirmation: every line, quantity, price and the total, in text and HTML", () => {
  const email = render("confirmation", confirmationEmailData(order));
  expect(email.subject).toBe("Your order 0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f is confirmed");
  expect(email.text).toMatchSnapshot();
  expect(email.html).toMatchSnapshot();
  expect(email.text).toContain("- 3 x Classic Cotton T-Shirt (SKU-1001) at 19.99 USD = 59.97 USD");
  expect(email.text).toContain("- 1 x Slim Fit Jeans (SKU-1002) at 59.50 USD = 59.50 USD");
  expect(email.text).toContain("Total: 135.22 USD");
  expect(email.text).toContain("placed 25 November 2026, 09:15 UTC");
  // Plain text is not HTML-escaped; HTML is.
  expect(email.text).toContain("Men's <Wool> Beanie & Co");
  expect(email.html).toContain("Men&#x27;s &lt;Wool&gt; Beanie &amp; Co");
  expect(email.html).not.toContain("<Wool>");
  expect(email.html.match(/<tr><td>/g)).toHaveLength(3);
  expect(email.html).toContain("<strong>135.22 USD</strong>");
});

test("a failure e-mail says what happened in the customer's words", () => {
  const email = render(
    "failure",
    failureEmailData({ ...order, status: "FAILED", failureCode: "PaymentDeclined" }),
  );
  expect(email.subject).toBe("We could not complete your order 0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f");
  expect(email.text).toBe(
    [
      "We could not complete your order.",
      "",
      "Order 0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f, placed 25 November 2026, 09:15 UTC: Your card was declined. No money was taken. Please try another card.",
    ].join("\n"),
  );
});

test("every template renders with the data built for it (SES refuses data that leaves a field empty)", () => {
  expect(() => render("confirmation", confirmationEmailData(order))).not.toThrow();
  expect(() => render("failure", failureEmailData(order))).not.toThrow();
  expect(() => render("confirmation", { orderId: "x" })).toThrow(/not defined/);
});

test("dates customers read", () => {
  expect(customerDate("2026-01-05T17:03:09.000Z")).toBe("5 January 2026, 17:03 UTC");
  expect(customerDate("not a date")).toBe("not a date");
});
