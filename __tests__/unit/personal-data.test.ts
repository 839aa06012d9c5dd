/** What may be kept or logged of a customer: addresses never, even inside a provider's message. */
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { SesCustomerMailer } from "../../lambdas/email/adapters/ses-customer-mailer";
import { suppressionKeyOf } from "../../lambdas/email/customer-emails";
import { EmailRejected } from "../../lambdas/platform/errors";
import { erasureKeyOf, withoutAddresses } from "../../lambdas/customers/personal-data";

test("withoutAddresses replaces every address in a text, and nothing else", () => {
  expect(
    withoutAddresses(
      "Email address is not verified. The following identities failed the check in region US-EAST-1: Buyer.One+x@Example.com, <b2@shop.example>",
    ),
  ).toBe(
    "Email address is not verified. The following identities failed the check in region US-EAST-1: [address], <[address]>",
  );
  expect(withoutAddresses("Order 1 failed (PaymentDeclined)")).toBe("Order 1 failed (PaymentDeclined)");
});

test("SES's refusal quoting the recipient becomes an EmailRejected without the address", async () => {
  const ses = mockClient(SESv2Client);
  ses.on(SendEmailCommand).rejects(
    Object.assign(new Error("Email address is not verified: buyer.probe@example.com"), {
      name: "MessageRejected",
    }),
  );
  const mailer = new SesCustomerMailer({
    from: "orders@shop.example",
    configurationSetName: "set",
    templateNames: { confirmation: "t" },
  });
  const refusal = await mailer
    .send({ to: "buyer.probe@example.com", kind: "confirmation", data: {} as never })
    .catch((error: unknown) => error);
  expect(refusal).toBeInstanceOf(EmailRejected);
  expect((refusal as Error).message).toBe(
    "SES refused the e-mail (MessageRejected): Email address is not verified: [address]",
  );
  ses.restore();
});

test("the suppression list and the erasure record keep hashes, the same for the same person", () => {
  expect(suppressionKeyOf(" Buyer@Example.com ")).toBe(suppressionKeyOf("buyer@example.com"));
  expect(suppressionKeyOf("buyer@example.com")).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(erasureKeyOf("7f3c2b1a-0000-4000-8000-00000000b001")).toMatch(/^erasure#[0-9a-f]{64}$/);
});
