/**
 * Local Secrets Manager: with payment_provider = stripe, the secrets holding Stripe's key (from
 * STRIPE_SECRET_KEY) and the webhook endpoint's signing secret (from STRIPE_WEBHOOK_SECRET).
 */
import { stripeSecretName, stripeWebhookSecretName } from "../../lambdas/payments/providers";
import type { ServiceModule } from "../runtime/context";
import {
  LOCAL_NAME_PREFIX,
  LOCAL_STRIPE_SECRET_ARN,
  LOCAL_STRIPE_WEBHOOK_SECRET_ARN,
} from "../runtime/resources";
import { secretsAuthorizer } from "./iam";
import { startSecretsService, type SecretsService } from "./secrets-manager";

export const secretsManagerService: ServiceModule<SecretsService> = {
  name: "secrets-manager",
  start: async (ctx) => {
    if (ctx.settings.paymentProvider !== "stripe") return undefined;
    const secrets = await startSecretsService(
      [
        {
          arn: LOCAL_STRIPE_SECRET_ARN,
          name: stripeSecretName(LOCAL_NAME_PREFIX),
          value: ctx.settings.stripeSecretKey,
        },
        {
          arn: LOCAL_STRIPE_WEBHOOK_SECRET_ARN,
          name: stripeWebhookSecretName(LOCAL_NAME_PREFIX),
          value: ctx.settings.stripeWebhookSecret || undefined,
        },
      ],
      ctx.iam && secretsAuthorizer(ctx.iam),
    );
    ctx.endpoints.secretsManager = secrets.endpoint;
    return secrets;
  },
};
