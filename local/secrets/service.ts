/** Local Secrets Manager: with payment_provider = stripe, the secret holding Stripe's key (from STRIPE_SECRET_KEY). */
import { stripeSecretName } from "../../lambdas/shared/payment-providers";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_NAME_PREFIX, LOCAL_STRIPE_SECRET_ARN } from "../runtime/resources";
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
      ],
      ctx.iam && secretsAuthorizer(ctx.iam),
    );
    ctx.endpoints.secretsManager = secrets.endpoint;
    return secrets;
  },
};
