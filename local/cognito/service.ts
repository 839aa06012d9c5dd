/**
 * Local Cognito: the user pool's twin (api_auth = cognito). POST /_local/token {"email"} signs a
 * local customer in (an ID token as the pool issues after sign-in; `Accept: text/plain` returns the
 * bare token, for shell variables) and GET /_local/jwks publishes its key; both answer the network,
 * as the pool's own endpoints do. With --no-auth there is no pool: token answers AUTH_DISABLED.
 */
import * as z from "zod/mini";
import { TOKEN_LIFETIMES } from "../../lambdas/customers/customer";
import { header } from "../../lambdas/platform/http";
import { localError, type AdminRoutes, type LocalActions } from "../admin/routes";
import { optionFor } from "../options";
import type { CustomerAccounts } from "../../lambdas/customers/ports";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_RESOURCES } from "../runtime/resources";
import { USER_POOL_GROUPS } from "../../lambdas/customers/customer";
import { startAuthService, type AuthService } from "./user-pool";

export interface CognitoService {
  readonly name: string;
  /** The user pool; undefined with --no-auth (api_auth = none). */
  readonly userPool: AuthService | undefined;
  readonly routes: AdminRoutes;
  stop(): Promise<void>;
}

const tokenRequestSchema = z.strictObject({
  email: z.email().check(z.maxLength(254)),
  /** The user pool's groups the customer is in: ["staff"] for the store's staff. */
  groups: z.optional(z.array(z.enum(USER_POOL_GROUPS)).check(z.maxLength(USER_POOL_GROUPS.length))),
});

function tokenAction(auth: AuthService | undefined): LocalActions[string] {
  return async (body, headers) => {
    if (!auth) {
      return localError(
        400,
        "AUTH_DISABLED",
        `Sign-in is off (${optionFor("apiAuth").flag}): order routes need no token.`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body ?? "");
    } catch {
      return localError(400, "INVALID_JSON", 'Send {"email": "you@example.com"} as JSON.');
    }
    const parsed = tokenRequestSchema.safeParse(json);
    if (!parsed.success) {
      const groupsWrong = parsed.error.issues.every((issue) => issue.path[0] === "groups");
      return groupsWrong
        ? localError(
            400,
            "INVALID_GROUPS",
            `"groups" may list only the user pool's groups: ${USER_POOL_GROUPS.join(", ")}.`,
          )
        : localError(400, "INVALID_EMAIL", 'Send {"email": "you@example.com"}: a valid e-mail address.');
    }
    const idToken = await auth.issueIdToken(parsed.data.email, { groups: parsed.data.groups });
    if (/^text\/plain\b/i.test(header(headers, "Accept") ?? "")) return { status: 200, body: idToken };
    return {
      status: 200,
      body: {
        idToken,
        tokenType: "Bearer",
        expiresIn: TOKEN_LIFETIMES.idTokenMinutes * 60,
        customerId: auth.customerIdOf(parsed.data.email),
      },
    };
  };
}

export const cognitoService: ServiceModule<CognitoService> = {
  name: "cognito",
  start: async (ctx) => {
    const { settings, iam } = ctx;
    const userPool =
      settings.apiAuth === "none" ? undefined : await startAuthService({ dataDir: settings.dataDir });
    // CustomerData deletes accounts here (AdminDeleteUser under its role); without a pool, none exist.
    const accounts: CustomerAccounts = {
      delete: async (customerId) => {
        iam?.deny(
          "CustomerData",
          [{ action: "cognito-idp:AdminDeleteUser", resource: LOCAL_RESOURCES.customerUserPool.arn }],
          () => "AccessDeniedException",
        );
        return userPool?.deleteUser(customerId) ?? "absent";
      },
    };
    ctx.need(lambdaService).functions.givePorts("CustomerData", { accounts });
    return {
      name: "cognito",
      userPool,
      routes: {
        get: { jwks: () => userPool?.jwks() ?? { keys: [] } },
        post: { token: tokenAction(userPool) },
        public: ["token", "jwks"],
      },
      stop: async () => userPool?.stop(),
    };
  },
};
