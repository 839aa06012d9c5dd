import type { SESv2Client, SESv2ClientConfig } from "@aws-sdk/client-sesv2";
import { EmailRejected } from "../../platform/errors";
import { withoutAddresses } from "../../customers/personal-data";
import type { CustomerEmailKind } from "../../orders/order";
import type { CustomerEmail, CustomerMailer } from "../ports";

export interface SesMailerOptions {
  /** The verified sender (an address of the verified identity). */
  readonly from: string;
  /** Publishes sends, deliveries, bounces and complaints; its bounces feed the suppression list. */
  readonly configurationSetName: string;
  /** The SES template of each kind this function sends (a function sends only its own kinds). */
  readonly templateNames: Readonly<Partial<Record<CustomerEmailKind, string>>>;
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

type SesSdk = typeof import("@aws-sdk/client-sesv2");

/**
 * Customer e-mail through SES v2 templates (SendEmail with Content.Template). The SES client is
 * loaded at the first e-mail, not at cold start: it is a third of the function's bundle, and an
 * order's confirmation is sent after its alert (bundled lazily, as Stripe's SDK is).
 */
export class SesCustomerMailer implements CustomerMailer {
  private sdk: Promise<{ client: SESv2Client; SendEmailCommand: SesSdk["SendEmailCommand"] }> | undefined;

  constructor(
    private readonly options: SesMailerOptions,
    private readonly clientConfig: SESv2ClientConfig = {},
  ) {}

  private load() {
    this.sdk ??= import("@aws-sdk/client-sesv2").then(({ SESv2Client, SendEmailCommand }) => ({
      client: new SESv2Client(this.clientConfig),
      SendEmailCommand,
    }));
    return this.sdk;
  }

  async send(email: CustomerEmail): Promise<{ readonly messageId: string }> {
    const templateName = this.options.templateNames[email.kind];
    if (!templateName) throw new Error(`No SES template is configured for the ${email.kind} e-mail.`);
    const { client, SendEmailCommand } = await this.load();
    try {
      const result = await client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          ConfigurationSetName: this.options.configurationSetName,
          Content: {
            Template: {
              TemplateName: templateName,
              TemplateData: JSON.stringify(email.data),
            },
          },
        }),
      );
      return { messageId: result.MessageId ?? "" };
    } catch (error) {
      const name = (error as Error).name;
      // SES quotes the recipient in some refusals: the message is kept and logged without it.
      if (PERMANENT.has(name))
        throw new EmailRejected(
          `SES refused the e-mail (${name}): ${withoutAddresses((error as Error).message)}`,
        );
      throw error;
    }
  }
}
