import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Fn, Op, Token } from "cdktf";
import { Construct } from "constructs";
import { ifCreated } from "./counted";
import { stripeSecretName, stripeWebhookSecretName } from "../../lambdas/payments/providers";

export interface PaymentSecretsProps {
  readonly namePrefix: string;
  /** The payment_provider variable: the secret exists only when it is `stripe`. */
  readonly paymentProvider: string;
  /** Disposable environments delete the secret at once, so a re-created stack can take the name. */
  readonly disposable: boolean;
}

/**
 * The payment provider's secret key, in Secrets Manager, created **without a value**: the user puts
 * the key in with the AWS CLI, so it never passes through Terraform's plan or state. Encrypted at rest
 * with the account's Secrets Manager key.
 */
export class PaymentSecrets extends Construct {
  readonly stripeSecretKey: SecretsmanagerSecret;
  /** The secret's ARN, or "" when the deployment does not charge through Stripe. */
  readonly stripeSecretArn: string;
  /** Where `aws secretsmanager put-secret-value --secret-id` puts the key. */
  readonly stripeSecretName: string;
  /** The webhook endpoint's signing secret (whsec_…), created empty the same way; "" without Stripe. */
  readonly stripeWebhookSecretArn: string;

  constructor(scope: Construct, id: string, props: PaymentSecretsProps) {
    super(scope, id);
    this.stripeSecretName = stripeSecretName(props.namePrefix);
    this.stripeSecretKey = new SecretsmanagerSecret(this, "StripeSecretKey", {
      count: Token.asNumber(Fn.conditional(Op.eq(props.paymentProvider, "stripe"), 1, 0)),
      name: this.stripeSecretName,
      description:
        "Stripe secret key (sk_live_… or sk_test_…) of ProcessPayment. Created empty: put the key in with `aws secretsmanager put-secret-value` (README: Payments); Terraform never holds it.",
      recoveryWindowInDays: props.disposable ? 0 : 30,
    });
    this.stripeSecretKey.overrideLogicalId("StripeSecretKey");
    // A counted resource is a list: "" when it was not created.
    this.stripeSecretArn = ifCreated("aws_secretsmanager_secret.StripeSecretKey", "arn");
    const webhookSecret = new SecretsmanagerSecret(this, "StripeWebhookSecret", {
      count: Token.asNumber(Fn.conditional(Op.eq(props.paymentProvider, "stripe"), 1, 0)),
      name: stripeWebhookSecretName(props.namePrefix),
      description:
        "Signing secret (whsec_…) of the Stripe webhook endpoint <api>/webhooks/stripe, read by PaymentEvents only. Created empty: put it in with `aws secretsmanager put-secret-value` (docs/PAYMENTS.md); Terraform never holds it.",
      recoveryWindowInDays: props.disposable ? 0 : 30,
    });
    webhookSecret.overrideLogicalId("StripeWebhookSecret");
    this.stripeWebhookSecretArn = ifCreated("aws_secretsmanager_secret.StripeWebhookSecret", "arn");
  }
}
