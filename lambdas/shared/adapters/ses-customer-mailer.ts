import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import { EmailRejected } from "../errors";
import type { CustomerEmailKind } from "../customer-emails";
import type { CustomerEmail, CustomerMailer } from "../ports";

export interface SesMailerOptions {
  /** The verified sender (an address of the verified identity). */
  readonly from: string;
  /** Publishes sends, deliveries, bounces and complaints; its bounces feed the suppression list. */
  readonly configurationSetName: string;
  readonly templateNames: Readonly<Record<CustomerEmailKind, string>>;
}

/** SES's permanent refusals: retrying the same e-mail cannot succeed. */
const PERMANENT = new Set([
  "MessageRejected",
  "MailFromDomainNotVerifiedException",
  "BadRequestException",
  "AccountSuspendedException",
  "SendingPausedException",
  "NotFoundException",
]);

/** Customer e-mail through SES v2 templates (SendEmail with Content.Template). */
export class SesCustomerMailer implements CustomerMailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions,
  ) {}

  async send(email: CustomerEmail): Promise<{ readonly messageId: string }> {
    try {
      const result = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          ConfigurationSetName: this.options.configurationSetName,
          Content: {
            Template: {
              TemplateName: this.options.templateNames[email.kind],
              TemplateData: JSON.stringify(email.data),
            },
          },
        }),
      );
      return { messageId: result.MessageId ?? "" };
    } catch (error) {
      const name = (error as Error).name;
      if (PERMANENT.has(name))
        throw new EmailRejected(`SES refused the e-mail (${name}): ${(error as Error).message}`);
      throw error;
    }
  }
}
