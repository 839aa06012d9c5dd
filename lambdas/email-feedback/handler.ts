/**
 * EmailFeedbackLambda: SES publishes bounces and complaints of customer e-mail (the configuration
 * set's event destination) to EmailFeedbackTopic; each hard bounce or complaint puts the address on
 * the store's suppression list, which OrderSuccessHandler checks before every customer e-mail.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SNSEvent } from "aws-lambda";
import * as z from "zod/mini";
import { dynamoDbSuppressionList } from "../email/adapters/dynamodb-suppression-list";
import { createObservability, instrumented } from "../platform/observability";
import type { SuppressionList } from "../email/ports";
import { EMAIL_FEEDBACK_CONFIG, functionConfig } from "../platform/config";

export interface EmailFeedbackDeps {
  readonly suppressions: SuppressionList;
}

const recipients = z.array(z.object({ emailAddress: z.string() }));

/** SES event publishing (eventType) and identity notifications (notificationType) alike. */
export const sesFeedbackSchema = z.object({
  eventType: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  bounce: z.optional(z.object({ bounceType: z.string(), bouncedRecipients: recipients })),
  complaint: z.optional(z.object({ complainedRecipients: recipients })),
});
export type SesFeedback = z.infer<typeof sesFeedbackSchema>;

const observability = createObservability("email-feedback");
const config = functionConfig("EmailFeedback", EMAIL_FEEDBACK_CONFIG);
const { logger, metrics } = observability;

/** The addresses one SES message says to stop mailing: hard (Permanent) bounces and complaints. */
export function addressesToSuppress(
  feedback: SesFeedback,
): { address: string; reason: "BOUNCE" | "COMPLAINT" }[] {
  const type = feedback.eventType ?? feedback.notificationType;
  if (type === "Bounce" && feedback.bounce?.bounceType === "Permanent") {
    return feedback.bounce.bouncedRecipients.map((r) => ({ address: r.emailAddress, reason: "BOUNCE" }));
  }
  if (type === "Complaint" && feedback.complaint) {
    return feedback.complaint.complainedRecipients.map((r) => ({
      address: r.emailAddress,
      reason: "COMPLAINT",
    }));
  }
  return [];
}

export function createHandler(overrides: Partial<EmailFeedbackDeps> = {}) {
  const deps: EmailFeedbackDeps = { suppressions: overrides.suppressions ?? dynamoDbSuppressionList(config) };

  return (event: SNSEvent, context?: Context): Promise<{ suppressed: number; ignored: number }> =>
    instrumented(observability, context, async () => {
      let suppressed = 0;
      let ignored = 0;
      for (const record of event.Records) {
        let feedback: SesFeedback;
        try {
          feedback = sesFeedbackSchema.parse(JSON.parse(record.Sns.Message));
        } catch {
          // Not an SES feedback message: retrying cannot make it one.
          logger.warn("Ignoring a message that is not SES feedback", { messageId: record.Sns.MessageId });
          ignored += 1;
          continue;
        }
        const addresses = addressesToSuppress(feedback);
        if (addresses.length === 0) ignored += 1;
        for (const { address, reason } of addresses) {
          const outcome = await deps.suppressions.suppress(address, reason, record.Sns.Timestamp);
          if (outcome === "added") {
            suppressed += 1;
            metrics.addMetric(
              reason === "BOUNCE" ? "AddressesBounced" : "AddressesComplained",
              MetricUnit.Count,
              1,
            );
          }
          // The address itself is personal data: logged by reason only.
          logger.info("Address suppressed", { reason, outcome });
        }
      }
      return { suppressed, ignored };
    });
}

export const handler = createHandler();
