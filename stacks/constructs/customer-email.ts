import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SesTemplate } from "@cdktf/provider-aws/lib/ses-template";
import { Sesv2ConfigurationSet } from "@cdktf/provider-aws/lib/sesv2-configuration-set";
import { Sesv2ConfigurationSetEventDestination } from "@cdktf/provider-aws/lib/sesv2-configuration-set-event-destination";
import { Sesv2EmailIdentity } from "@cdktf/provider-aws/lib/sesv2-email-identity";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Fn, Op, Token } from "cdktf";
import { Construct } from "constructs";
import type { ResourceHandle } from "../../lambdas/platform/resources";
import type { CustomerEmailKind } from "../../lambdas/orders/order";
import { EMAIL_TEMPLATES, emailTemplateName } from "../../lambdas/email/templates";
import { ifCreated } from "./counted";

export interface CustomerEmailProps {
  readonly namePrefix: string;
  readonly accountId: string;
  /** The customer_emails variable: nothing here exists unless it is `on`. */
  readonly customerEmails: string;
  /** The From address (sender_email, or orders@sender_domain, or notification_email). */
  readonly senderAddress: string;
  /** sender_domain: "" to verify the sender address alone. */
  readonly senderDomain: string;
  readonly topicKeyArn: string;
  /** EmailFeedback's live alias. */
  readonly feedbackHandler: LambdaAlias;
}

const TEMPLATE_IDS: Readonly<Record<CustomerEmailKind, string>> = {
  confirmation: "ConfirmationEmailTemplate",
  failure: "FailureEmailTemplate",
  cancellation: "CancellationEmailTemplate",
  shipment: "ShipmentEmailTemplate",
  refund: "RefundEmailTemplate",
  returnRequested: "ReturnRequestedEmailTemplate",
  returnReceived: "ReturnReceivedEmailTemplate",
  returnRejected: "ReturnRejectedEmailTemplate",
};

export interface CustomerEmailHandles {
  readonly identity: ResourceHandle;
  readonly configurationSet: ResourceHandle;
  readonly templates: Readonly<Record<CustomerEmailKind, ResourceHandle>>;
}

/**
 * What the function contracts name: ARNs and names of the SES resources, "" with customer_emails =
 * off. Known before the construct exists (the functions come first; the feedback topic needs one).
 */
export function customerEmailHandles(): CustomerEmailHandles {
  const configurationSet = (attribute: string) =>
    ifCreated("aws_sesv2_configuration_set.CustomerEmailConfigurationSet", attribute);
  const template = (kind: CustomerEmailKind): ResourceHandle => ({
    arn: ifCreated(`aws_ses_template.${TEMPLATE_IDS[kind]}`, "arn"),
    name: ifCreated(`aws_ses_template.${TEMPLATE_IDS[kind]}`, "name"),
  });
  return {
    identity: {
      arn: '${join("", concat(aws_sesv2_email_identity.SenderDomainIdentity[*].arn, aws_sesv2_email_identity.SenderAddressIdentity[*].arn))}',
    },
    configurationSet: { arn: configurationSet("arn"), name: configurationSet("configuration_set_name") },
    templates: {
      confirmation: template("confirmation"),
      failure: template("failure"),
      cancellation: template("cancellation"),
      shipment: template("shipment"),
      refund: template("refund"),
      returnRequested: template("returnRequested"),
      returnReceived: template("returnReceived"),
      returnRejected: template("returnRejected"),
    },
  };
}

/**
 * Customer e-mail through Amazon SES: the sender identity (a domain with DKIM, or one address), a
 * configuration set whose bounces and complaints go to EmailFeedbackTopic (→ EmailFeedbackLambda →
 * the suppression list), and the templates of lambdas/email/customer-emails.ts.
 */
export class CustomerEmail extends Construct {
  /** The CNAME records (name → value) that prove the sender domain (DKIM); empty for an address. */
  readonly dkimRecords: string;

  constructor(scope: Construct, id: string, props: CustomerEmailProps) {
    super(scope, id);
    const on = Op.eq(props.customerEmails, "on");
    const whenOn = Token.asNumber(Fn.conditional(on, 1, 0));
    const hasDomain = Op.gte(Fn.lengthOf(props.senderDomain), 1);

    new Sesv2EmailIdentity(this, "SenderDomain", {
      count: Token.asNumber(Fn.conditional(Op.and(on, hasDomain), 1, 0)),
      emailIdentity: props.senderDomain,
      // Easy DKIM: SES signs every message; the domain publishes the three CNAMEs (output dkim_records).
      dkimSigningAttributes: { nextSigningKeyLength: "RSA_2048_BIT" },
    }).overrideLogicalId("SenderDomainIdentity");
    // SES e-mails this address a verification link; sending starts once it is clicked.
    new Sesv2EmailIdentity(this, "SenderAddress", {
      count: Token.asNumber(Fn.conditional(Op.and(on, Op.not(hasDomain)), 1, 0)),
      emailIdentity: props.senderAddress,
    }).overrideLogicalId("SenderAddressIdentity");
    this.dkimRecords =
      '${join("\\n", flatten([for identity in aws_sesv2_email_identity.SenderDomainIdentity : [for token in identity.dkim_signing_attributes[0].tokens : "${token}._domainkey.${identity.email_identity} CNAME ${token}.dkim.amazonses.com"]]))}';

    const configurationSetName = `${props.namePrefix}-customer-email`;
    new Sesv2ConfigurationSet(this, "ConfigurationSet", {
      count: whenOn,
      configurationSetName,
      deliveryOptions: { tlsPolicy: "REQUIRE" },
      reputationOptions: { reputationMetricsEnabled: true },
      sendingOptions: { sendingEnabled: true },
      // SES's own list as well as the store's: an address that bounced is never tried again.
      suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
    }).overrideLogicalId("CustomerEmailConfigurationSet");

    this.feedback(props, whenOn);
    this.templates(props.namePrefix, whenOn);
  }

  /** Bounces and complaints → EmailFeedbackTopic (encrypted, SES may publish) → EmailFeedbackLambda. */
  private feedback(props: CustomerEmailProps, whenOn: number): void {
    const feedbackTopic = new SnsTopic(this, "FeedbackTopic", {
      count: whenOn,
      name: `${props.namePrefix}-email-feedback`,
      displayName: "SES bounces and complaints of customer e-mail",
      kmsMasterKeyId: props.topicKeyArn,
    });
    feedbackTopic.overrideLogicalId("EmailFeedbackTopic");
    const feedbackTopicArn = ifCreated("aws_sns_topic.EmailFeedbackTopic", "arn");
    const topicPolicy = new DataAwsIamPolicyDocument(this, "FeedbackTopicPolicyDocument", {
      count: whenOn,
      statement: [
        {
          sid: "SesPublishesFeedback",
          actions: ["sns:Publish"],
          principals: [{ type: "Service", identifiers: ["ses.amazonaws.com"] }],
          resources: [feedbackTopicArn],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
      ],
    });
    topicPolicy.overrideLogicalId("EmailFeedbackTopicPolicyDocument");
    new SnsTopicPolicy(this, "FeedbackTopicPolicy", {
      count: whenOn,
      arn: feedbackTopicArn,
      policy: "${data.aws_iam_policy_document.EmailFeedbackTopicPolicyDocument[0].json}",
    });
    new Sesv2ConfigurationSetEventDestination(this, "Feedback", {
      count: whenOn,
      configurationSetName: customerEmailHandles().configurationSet.name!,
      eventDestinationName: "bounces-and-complaints",
      eventDestination: {
        enabled: true,
        matchingEventTypes: ["BOUNCE", "COMPLAINT"],
        snsDestination: { topicArn: feedbackTopicArn },
      },
    });
    new SnsTopicSubscription(this, "FeedbackSubscription", {
      count: whenOn,
      topicArn: feedbackTopicArn,
      protocol: "lambda",
      endpoint: props.feedbackHandler.arn,
    });
    new LambdaPermission(this, "FeedbackInvokePermission", {
      count: whenOn,
      statementId: "AllowEmailFeedbackTopic",
      action: "lambda:InvokeFunction",
      functionName: props.feedbackHandler.functionName,
      qualifier: props.feedbackHandler.name,
      principal: "sns.amazonaws.com",
      sourceArn: feedbackTopicArn,
    });
  }

  private templates(namePrefix: string, whenOn: number): void {
    for (const kind of Object.keys(EMAIL_TEMPLATES) as CustomerEmailKind[]) {
      const template = EMAIL_TEMPLATES[kind];
      new SesTemplate(this, TEMPLATE_IDS[kind], {
        count: whenOn,
        name: emailTemplateName(namePrefix, kind),
        subject: template.subject,
        html: template.html,
        text: template.text,
      }).overrideLogicalId(TEMPLATE_IDS[kind]);
    }
  }
}
