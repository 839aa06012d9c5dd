/**
 * `npm run smoke`: proves a deployment works end to end (catalog, a confirmed order, a declined
 * one), printing each step's time; exit code 0 only when both orders end as expected. Usage:
 *   npm run smoke -- --stack <stack> [--outputs-file <file>] [sign-in] [--timeout <seconds>]
 *   npm run smoke -- --url <api url> [sign-in] [--timeout <seconds>]
 * sign-in (api_auth = cognito): --token <ID token> (or $SMOKE_ID_TOKEN), or --username and
 * --password of a test customer (or $SMOKE_USERNAME, $SMOKE_PASSWORD) with --stack: signed in with
 * Cognito's admin-initiate-auth (the stack's credentials). Without sign-in, orders carry --email.
 */
import {
  AdminInitiateAuthCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { smokeTest } from "./ops/smoke";
import { parseOptions, runCommand, stackOrUrl, UsageError } from "./ops/cli";
import { requireOutput, stackOutputs, type StackOutputs } from "./ops/stack-outputs";

const USAGE =
  "Usage: npm run smoke -- (--stack <stack> [--outputs-file <file>] | --url <api url>) [--token <ID token> | --username <u> --password <p>] [--email <address>] [--timeout <seconds>]";

function parse() {
  const values = parseOptions({
    stack: { type: "string" },
    "outputs-file": { type: "string" },
    url: { type: "string" },
    token: { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    email: { type: "string" },
    timeout: { type: "string" },
  });
  stackOrUrl(values);
  const timeout = Number(values.timeout ?? 120);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds (got "${values.timeout}").`);
  }
  const username = values.username ?? process.env.SMOKE_USERNAME;
  const password = values.password ?? process.env.SMOKE_PASSWORD;
  if (Boolean(username) !== Boolean(password))
    throw new UsageError("Give --username and --password together.");
  if (username && !values.stack) throw new UsageError("--username/--password need --stack (the user pool).");
  return {
    ...values,
    username,
    password,
    token: values.token ?? process.env.SMOKE_ID_TOKEN,
    timeoutMs: timeout * 1000,
  };
}

/** A test customer's ID token from the stack's user pool (ADMIN_USER_PASSWORD_AUTH). */
async function signIn(outputs: StackOutputs, username: string, password: string): Promise<string> {
  const result = await new CognitoIdentityProviderClient({}).send(
    new AdminInitiateAuthCommand({
      UserPoolId: requireOutput(outputs, "user_pool_id"),
      ClientId: requireOutput(outputs, "operator_client_id"),
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const token = result.AuthenticationResult?.IdToken;
  if (!token)
    throw new Error(
      `Cognito asked ${username} for a ${result.ChallengeName ?? "challenge"}: use a confirmed test customer with a permanent password (README).`,
    );
  return token;
}

async function main(): Promise<number> {
  const args = parse();
  let url = args.url;
  let token = args.token;
  if (args.stack) {
    const outputs = stackOutputs(args.stack, args["outputs-file"]);
    url = requireOutput(outputs, "api_url");
    if (args.username && args.password) token = await signIn(outputs, args.username, args.password);
  }
  process.stdout.write(`Smoke test of ${url}${token ? " (signed in)" : ""}\n`);
  const { ok, steps } = await smokeTest({
    url: url!,
    token,
    email: args.email ?? "smoke-test@example.com",
    timeoutMs: args.timeoutMs,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  process.stdout.write(
    ok ? `Passed in ${(total / 1000).toFixed(1)} s.\n` : "Failed: the deployment does not work end to end.\n",
  );
  return ok ? 0 : 1;
}

runCommand("smoke test", USAGE, main);
