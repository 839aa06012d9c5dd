/**
 * The local twin of Amazon SES for customer e-mail: it speaks SES v2's SendEmail (REST-JSON), so
 * OrderSuccessHandler sends through its real SES adapter and SDK (AWS_ENDPOINT_URL_SESV2). E-mails
 * are captured, not sent, each rendered with Handlebars (as SES renders templates) from the same
 * template definitions the stack deploys; GET /_local/emails lists them. A bounce is simulated by
 * handing EmailFeedback the SNS message SES would publish for it.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SNSEvent } from "aws-lambda";
import Handlebars from "handlebars";
import type { CustomerEmailKind } from "../../lambdas/orders/order";
import { EMAIL_TEMPLATES, emailTemplateName } from "../../lambdas/email/templates";
import { readBody } from "../runtime/read-body";
import type { LocalService } from "../runtime/service";

export interface CapturedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly sentAt: string;
}

export interface EmailService extends LocalService {
  readonly endpoint: string;
  /** The newest RECENT_EMAILS e-mails, oldest first. */
  list(): readonly CapturedEmail[];
  onSend(listener: (email: CapturedEmail) => void): void;
  /** The SNS event SES publishes when a message to `address` bounces for good. */
  bounceEvent(address: string): SNSEvent;
}

/** How many e-mails GET /_local/emails keeps: the newest. */
export const RECENT_EMAILS = 1000;

export interface EmailServiceOptions {
  /** The deployment's name prefix: templates are `<prefix>-order-confirmation`, … */
  readonly namePrefix: string;
  readonly configurationSetName: string;
  readonly feedbackTopicArn: string;
  /** Local IAM: the AccessDeniedException for a send its signer may not make (none with --no-iam). */
  readonly authorize?: (
    headers: IncomingHttpHeaders,
    send: { from: string; configurationSetName?: string; templateName?: string },
  ) => Error | undefined;
}

interface SendEmailBody {
  readonly FromEmailAddress?: string;
  readonly Destination?: { readonly ToAddresses?: string[] };
  readonly ConfigurationSetName?: string;
  readonly Content?: {
    readonly Template?: { readonly TemplateName?: string; readonly TemplateData?: string };
  };
}

type Rendered = Pick<CapturedEmail, "subject" | "text" | "html">;

function failure(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    "Content-Type": "application/json",
    "x-amzn-ErrorType": type,
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}

type Templates = ReadonlyMap<string, (data: unknown) => Rendered>;

/** Each template compiled once, as SES stores a template once, under its deployed name. */
function compileTemplates(namePrefix: string): Templates {
  return new Map(
    (Object.keys(EMAIL_TEMPLATES) as CustomerEmailKind[]).map((kind) => {
      const t = EMAIL_TEMPLATES[kind];
      const [subject, text, html] = [t.subject, t.text, t.html].map((source) =>
        Handlebars.compile(source, { strict: true }),
      );
      return [
        emailTemplateName(namePrefix, kind),
        (data: unknown) => ({ subject: subject(data), text: text(data), html: html(data) }),
      ];
    }),
  );
}

/** SendEmail as SES answers it: the rendered e-mail, or SES's error for what it would refuse. */
function send(
  templates: Templates,
  options: EmailServiceOptions,
  body: SendEmailBody,
): CapturedEmail | { error: [number, string, string] } {
  const template = body.Content?.Template;
  const render = template?.TemplateName ? templates.get(template.TemplateName) : undefined;
  if (!render)
    return { error: [404, "NotFoundException", `Template ${template?.TemplateName} does not exist.`] };
  if (body.ConfigurationSetName !== options.configurationSetName) {
    return {
      error: [404, "NotFoundException", `Configuration set ${body.ConfigurationSetName} does not exist.`],
    };
  }
  const to = body.Destination?.ToAddresses ?? [];
  if (!body.FromEmailAddress || to.length === 0) {
    return { error: [400, "BadRequestException", "FromEmailAddress and a destination are required."] };
  }
  let rendered: Rendered;
  try {
    rendered = render(JSON.parse(template?.TemplateData ?? "{}"));
  } catch (error) {
    // SES refuses data that does not fill its template.
    return {
      error: [400, "BadRequestException", `Template rendering failed: ${(error as Error).message}`],
    };
  }
  return {
    messageId: randomUUID(),
    from: body.FromEmailAddress,
    to,
    template: template!.TemplateName!,
    ...rendered,
    sentAt: new Date().toISOString(),
  };
}

/** The SNS message SES publishes when a message to `address` bounces for good. */
function bounceEvent(feedbackTopicArn: string, address: string): SNSEvent {
  const now = new Date().toISOString();
  const message = {
    eventType: "Bounce",
    bounce: {
      bounceType: "Permanent",
      bounceSubType: "General",
      bouncedRecipients: [{ emailAddress: address, action: "failed", status: "5.1.1" }],
      timestamp: now,
    },
    mail: { timestamp: now, destination: [address], messageId: randomUUID() },
  };
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${feedbackTopicArn}:local`,
        Sns: {
          Type: "Notification",
          MessageId: randomUUID(),
          TopicArn: feedbackTopicArn,
          Subject: "",
          Message: JSON.stringify(message),
          Timestamp: now,
          SignatureVersion: "1",
          Signature: "local",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
          MessageAttributes: {},
        },
      },
    ],
  };
}

export async function startEmailService(options: EmailServiceOptions): Promise<EmailService> {
  const templates = compileTemplates(options.namePrefix);
  let captured: CapturedEmail[] = [];
  const listeners: ((email: CapturedEmail) => void)[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://local");
    if (request.method !== "POST" || url.pathname !== "/v2/email/outbound-emails") {
      failure(
        response,
        404,
        "NotFoundException",
        `The local SES answers SendEmail only, not ${request.method} ${url.pathname}.`,
      );
      return;
    }
    const sendRequest = JSON.parse(await readBody(request, 256 * 1024)) as SendEmailBody;
    const denied = options.authorize?.(request.headers, {
      from: sendRequest.FromEmailAddress ?? "",
      configurationSetName: sendRequest.ConfigurationSetName,
      templateName: sendRequest.Content?.Template?.TemplateName,
    });
    if (denied) {
      failure(response, 403, "AccessDeniedException", denied.message);
      return;
    }
    const result = send(templates, options, sendRequest);
    if ("error" in result) {
      failure(response, ...result.error);
      return;
    }
    captured.push(result);
    // Memory stays flat over long runs: only the newest are kept.
    if (captured.length > RECENT_EMAILS * 1.5) captured = captured.slice(-RECENT_EMAILS);
    listeners.forEach((listener) => listener(result));
    const body = JSON.stringify({ MessageId: result.messageId });
    response.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
    });
    response.end(body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      failure(response, 500, "InternalFailure", String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    name: "email",
    endpoint: `http://127.0.0.1:${port}`,
    list: () => captured.slice(-RECENT_EMAILS),
    onSend: (listener) => void listeners.push(listener),
    bounceEvent: (address) => bounceEvent(options.feedbackTopicArn, address),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
