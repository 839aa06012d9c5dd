/** EmailFeedback through createHandler with the in-memory suppression list. */
import type { SNSEvent } from "aws-lambda";
import { createHandler } from "../../../lambdas/email-feedback/handler";
import { context } from "../../support/events";
import { InMemorySuppressionList } from "../../support/fakes";

const sns = (...messages: unknown[]): SNSEvent => ({
  Records: messages.map((message, i) => ({
    EventSource: "aws:sns",
    EventVersion: "1.0",
    EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:email-feedback:sub",
    Sns: {
      Type: "Notification",
      MessageId: `m-${i}`,
      TopicArn: "arn:aws:sns:us-east-1:123456789012:email-feedback",
      Subject: "",
      Message: typeof message === "string" ? message : JSON.stringify(message),
      Timestamp: "2026-11-25T09:00:00.000Z",
      SignatureVersion: "1",
      Signature: "",
      SigningCertUrl: "",
      UnsubscribeUrl: "",
      MessageAttributes: {},
    },
  })),
});

const bounce = (bounceType: string, ...addresses: string[]) => ({
  eventType: "Bounce",
  bounce: { bounceType, bouncedRecipients: addresses.map((emailAddress) => ({ emailAddress })) },
  mail: { messageId: "x" },
});

function system() {
  const suppressions = new InMemorySuppressionList();
  return { suppressions, handler: createHandler({ suppressions }) };
}

test("a hard bounce and a complaint put their addresses on the list, once", async () => {
  const { suppressions, handler } = system();
  const result = await handler(
    sns(
      bounce("Permanent", "Gone@Example.com"),
      {
        eventType: "Complaint",
        complaint: { complainedRecipients: [{ emailAddress: "angry@example.com" }] },
      },
      // The identity-notification format says notificationType instead.
      {
        notificationType: "Bounce",
        bounce: { bounceType: "Permanent", bouncedRecipients: [{ emailAddress: "gone@example.com" }] },
      },
    ),
    context,
  );
  expect(result).toEqual({ suppressed: 2, ignored: 0 });
  expect([...suppressions.entries]).toEqual([
    ["gone@example.com", { reason: "BOUNCE", at: "2026-11-25T09:00:00.000Z" }],
    ["angry@example.com", { reason: "COMPLAINT", at: "2026-11-25T09:00:00.000Z" }],
  ]);
});

test("a soft bounce (mailbox full), a delivery or a message that is not SES feedback changes nothing", async () => {
  const { suppressions, handler } = system();
  const result = await handler(
    sns(bounce("Transient", "full@example.com"), { eventType: "Delivery" }, "not json", { eventType: 42 }),
    context,
  );
  expect(result).toEqual({ suppressed: 0, ignored: 4 });
  expect(suppressions.entries.size).toBe(0);
});
