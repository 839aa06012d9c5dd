import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { Construct } from "constructs";
import { TOKEN_LIFETIMES, USER_POOL_GROUPS } from "../../lambdas/customers/customer";

export interface CustomerIdentityProps {
  readonly namePrefix: string;
  /** Disposable environments may be destroyed with their customers; others are protected. */
  readonly disposable: boolean;
}

/** The password rules of the customer pool: long, and every character class. */
export const PASSWORD_POLICY = {
  minimumLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true,
  temporaryPasswordValidityDays: 3,
} as const;

/**
 * The storefront's customers: a Cognito user pool (sign-in by e-mail, verified e-mail, strong
 * passwords, case-insensitive usernames) and one public app client for a single-page or mobile app.
 */
export class CustomerIdentity extends Construct {
  readonly userPool: CognitoUserPool;
  readonly storefrontClient: CognitoUserPoolClient;
  /** For operators' tools (the smoke test): sign-in by admin-initiate-auth only, which needs IAM. */
  readonly operatorClient: CognitoUserPoolClient;

  constructor(scope: Construct, id: string, props: CustomerIdentityProps) {
    super(scope, id);
    this.userPool = new CognitoUserPool(this, "UserPool", {
      name: `${props.namePrefix}-customers`,
      usernameAttributes: ["email"],
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ["email"],
      // A changed address stays unverified until confirmed; the old one keeps receiving mail.
      userAttributeUpdateSettings: { attributesRequireVerificationBeforeUpdate: ["email"] },
      passwordPolicy: PASSWORD_POLICY,
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      mfaConfiguration: "OPTIONAL",
      softwareTokenMfaConfiguration: { enabled: true },
      adminCreateUserConfig: { allowAdminCreateUserOnly: false },
      deletionProtection: props.disposable ? "INACTIVE" : "ACTIVE",
    });
    this.userPool.overrideLogicalId("CustomerUserPool");
    this.storefrontClient = new CognitoUserPoolClient(this, "StorefrontClient", {
      name: `${props.namePrefix}-storefront`,
      userPoolId: this.userPool.id,
      // A browser or phone cannot keep a secret: a public client.
      generateSecret: false,
      explicitAuthFlows: [
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        // Disposable environments also let an operator with IAM credentials sign a test customer in
        // from the AWS CLI (admin-initiate-auth); never reachable by a storefront.
        ...(props.disposable ? ["ALLOW_ADMIN_USER_PASSWORD_AUTH"] : []),
      ],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      idTokenValidity: TOKEN_LIFETIMES.idTokenMinutes,
      accessTokenValidity: TOKEN_LIFETIMES.accessTokenMinutes,
      refreshTokenValidity: TOKEN_LIFETIMES.refreshTokenDays,
      tokenValidityUnits: [{ idToken: "minutes", accessToken: "minutes", refreshToken: "days" }],
    });
    this.storefrontClient.overrideLogicalId("StorefrontClient");
    // The smoke test signs a test customer in from CI in every environment. ADMIN_USER_PASSWORD_AUTH
    // takes IAM credentials (cognito-idp:AdminInitiateAuth on this pool), so no storefront can use
    // this client; keeping it apart leaves the storefront's client SRP-only in prod.
    this.operatorClient = new CognitoUserPoolClient(this, "OperatorClient", {
      name: `${props.namePrefix}-operator`,
      userPoolId: this.userPool.id,
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      idTokenValidity: TOKEN_LIFETIMES.idTokenMinutes,
      accessTokenValidity: TOKEN_LIFETIMES.accessTokenMinutes,
      refreshTokenValidity: 1,
      tokenValidityUnits: [{ idToken: "minutes", accessToken: "minutes", refreshToken: "days" }],
    });
    this.operatorClient.overrideLogicalId("OperatorClient");
    // The store's staff: their ID tokens carry `cognito:groups`, which the functions check.
    for (const group of USER_POOL_GROUPS) {
      new CognitoUserGroup(this, `Group_${group}`, {
        name: group,
        userPoolId: this.userPool.id,
        description:
          "The store's staff: may read every order. Add someone with `aws cognito-idp admin-add-user-to-group --group-name staff`.",
      }).overrideLogicalId(`UserPoolGroup_${group}`);
    }
  }

  /** The `iss` of the pool's tokens. */
  get issuer(): string {
    return `https://${this.userPool.endpoint}`;
  }
}
