/** SES's side of local IAM: SendEmail on the sending identity, the configuration set and the template. */
import { sendEmailChecks } from "../iam/aws-calls";
import type { LocalEnforcement, RequestAuthorizer } from "../iam/local-enforcement";
import { LOCAL_RESOURCES, LOCAL_SENDER_ADDRESS } from "../runtime/resources";

export interface EmailSend {
  readonly from: string;
  readonly configurationSetName?: string;
  readonly templateName?: string;
}

export function emailAuthorizer(iam: LocalEnforcement): RequestAuthorizer<EmailSend> {
  return iam.authorizer<EmailSend>((send) => {
    const templates = [
      LOCAL_RESOURCES.confirmationEmailTemplate,
      LOCAL_RESOURCES.failureEmailTemplate,
      LOCAL_RESOURCES.cancellationEmailTemplate,
      LOCAL_RESOURCES.shipmentEmailTemplate,
      LOCAL_RESOURCES.refundEmailTemplate,
      LOCAL_RESOURCES.returnRequestedEmailTemplate,
      LOCAL_RESOURCES.returnReceivedEmailTemplate,
      LOCAL_RESOURCES.returnRejectedEmailTemplate,
    ];
    const template = templates.find((t) => t.name === send.templateName);
    const domain = send.from.split("@")[1];
    return sendEmailChecks({
      identityArn:
        send.from === LOCAL_SENDER_ADDRESS
          ? LOCAL_RESOURCES.emailIdentity.arn
          : LOCAL_RESOURCES.emailIdentity.arn.replace(LOCAL_SENDER_ADDRESS, domain),
      configurationSetArn:
        send.configurationSetName === LOCAL_RESOURCES.emailConfigurationSet.name
          ? LOCAL_RESOURCES.emailConfigurationSet.arn
          : undefined,
      templateArn: template?.arn,
    });
  });
}
