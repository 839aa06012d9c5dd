/**
 * Local SES (customer_emails = on): e-mails are captured, never sent (GET /_local/emails), and
 * POST /_local/emails/bounce {"email"} plays SES's bounce notification to EmailFeedback.
 */
import type { SNSEvent } from "aws-lambda";
import { localError, type AdminRoutes, type LocalActions } from "../admin/routes";
import { orderIdIn } from "../console/event-feed";
import { lambdaService } from "../lambda/service";
import type { RuntimeContext, ServiceModule } from "../runtime/context";
import {
  LOCAL_EMAIL_CONFIGURATION_SET,
  LOCAL_EMAIL_FEEDBACK_TOPIC,
  LOCAL_NAME_PREFIX,
} from "../runtime/resources";
import { startEmailService, type EmailService } from "./email";
import { emailAuthorizer } from "./iam";

/** SES's bounce notification for that address, to EmailFeedback (through its SNS topic). */
function bounceAction(ctx: RuntimeContext, email: EmailService): LocalActions[string] {
  return async (body) => {
    let address: unknown;
    try {
      address = (JSON.parse(body ?? "") as { email?: unknown }).email;
    } catch {
      address = undefined;
    }
    if (typeof address !== "string" || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      return localError(400, "INVALID_EMAIL", 'Send {"email": "customer@example.com"}.');
    }
    const feedback = ctx
      .need(lambdaService)
      .functions.handler<SNSEvent, { suppressed: number }>("EmailFeedback");
    const result = await feedback(email.bounceEvent(address));
    return { status: 200, body: { email: address, suppressed: result.suppressed === 1 } };
  };
}

export interface SesService {
  readonly name: string;
  /** The captured mail; undefined with customer_emails = off (nothing is sent, nothing captured). */
  readonly email: EmailService | undefined;
  readonly routes: AdminRoutes;
  stop(): Promise<void>;
}

export const sesService: ServiceModule<SesService> = {
  name: "ses",
  start: async (ctx) => {
    if (ctx.settings.customerEmails !== "on") {
      return {
        name: "ses",
        email: undefined,
        routes: { get: { emails: () => ({ emails: [] }) } },
        stop: async () => {},
      };
    }
    const email = await startEmailService({
      namePrefix: LOCAL_NAME_PREFIX,
      configurationSetName: LOCAL_EMAIL_CONFIGURATION_SET,
      feedbackTopicArn: LOCAL_EMAIL_FEEDBACK_TOPIC,
      authorize: ctx.iam && emailAuthorizer(ctx.iam),
    });
    ctx.endpoints.ses = email.endpoint;
    email.onSend((sent) => {
      ctx.log(`e-mail to ${sent.to.join(", ")}: ${sent.subject}`);
      ctx.meter.record("SES", "SendEmail", { emails: sent.to.length });
      ctx.feed.append(
        "email",
        { to: sent.to, subject: sent.subject, template: sent.template },
        orderIdIn(sent.subject),
      );
    });
    return {
      name: "ses",
      email,
      routes: {
        get: { emails: () => ({ emails: email.list() }) },
        post: { "emails/bounce": bounceAction(ctx, email) },
      },
      stop: () => email.stop(),
    };
  },
};
