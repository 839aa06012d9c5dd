/** `npm start`: runs the whole order system locally. `npm start -- --help` lists the options. */
import { createServer } from "node:http";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseAllowedOrigins } from "../lambdas/shared/cors";
import { API_AUTH_MODES, type ApiAuthMode } from "../lambdas/shared/customer";
import {
  CUSTOMER_EMAIL_MODES,
  isCustomerEmailMode,
  type CustomerEmailMode,
} from "../lambdas/shared/customer-emails";
import {
  isPaymentProvider,
  PAYMENT_PROVIDERS,
  type PaymentProvider,
} from "../lambdas/shared/payment-providers";
import { ROOT_METHODS, type HttpMethod } from "../lambdas/shared/routes";
import {
  DEFAULT_WORKFLOW_TYPE,
  isWorkflowType,
  WORKFLOW_TYPES,
  type WorkflowType,
} from "../lambdas/shared/workflow-type";
import { startLocalOrderSystem, type LocalOrderSystem } from "./order-system";

const HELP = `Usage: npm start -- [options]

Runs the order system locally: the bundled Lambda handlers, the state machine definition the
stack deploys (aws-local-stepfunctions), DynamoDB (dynalite), an SQS-like queue, local SNS and the
EventBridge success rule, behind an HTTP server that speaks the API Gateway contract.

Options:
  --port <n>                         HTTP port (default: $PORT or 3000)
  --host <addr>                      Interface to listen on (default: 127.0.0.1)
  --data-dir <dir>                   Keep DynamoDB data in <dir> between runs
                                     (default: $ORDER_SYSTEM_DATA_DIR, else in memory)
  --root-method <GET|POST|PUT>       Method of the root route "/" (default: POST)
  --gateway-transient-failures <n>   Attempts of a tok_processingError charge that fail
                                     before the simulated gateway recovers (default: 1)
  --visibility-timeout <seconds>     OrdersQueue visibility timeout (default: 180, as deployed)
  --no-auth                          Order routes without sign-in, as api_auth = none
                                     (default: $ORDER_SYSTEM_API_AUTH, else cognito: sign-in on)
  --allowed-origins <list>           Storefront origins allowed by CORS, comma-separated, as
                                     allowed_origins (default: $ORDER_SYSTEM_ALLOWED_ORIGINS, else none)
  --payment-provider <name>          simulated or stripe, as payment_provider (default:
                                     $ORDER_SYSTEM_PAYMENT_PROVIDER, else simulated). stripe charges
                                     through Stripe's test mode with the key in $STRIPE_SECRET_KEY
                                     (sk_test_… only)
  --stripe-api-base <url>            Send Stripe's API calls to another host (a stand-in for tests)
  --customer-emails <on|off>         E-mail customers (captured at /_local/emails, never sent), as
                                     customer_emails (default: $ORDER_SYSTEM_CUSTOMER_EMAILS, else on)
  --workflow-type <type>             STANDARD or EXPRESS, as workflow_type (default:
                                     $ORDER_SYSTEM_WORKFLOW_TYPE, else STANDARD)
  --stuck-order-minutes <n>          An order still PENDING or PROCESSING n minutes after its
                                     last update is stuck, as stuck_order_minutes (default: 15);
                                     the reconciler looks every 5 minutes
  --no-iam                           Do not enforce IAM (default: every AWS call a function or the
                                     workflow makes is checked against its role in the synthesized
                                     stack, and a denied call fails as it would in AWS)
  --verbose                          Also print the handlers' JSON logs and EMF metrics
  -h, --help                         Show this help

Local-only endpoints: GET /_local/health, /_local/notifications, /_local/emails, /_local/executions,
/_local/queue, /_local/jwks, /_local/meter (every billed call, per order), /_local/iam (local IAM
on or off, and the latest denied calls), /_local/events (Server-Sent Events, resumable with
Last-Event-ID), the console at /_local/console and what it reads (/_local/orders, /_local/journey,
/_local/overview, /_local/workflow, /_local/catalog); with sign-in on, all but /_local/token and
/_local/jwks answer on this machine only, whatever --host says. POST /_local/token
{"email": "you@example.com"} signs a local customer in (ID token); POST /_local/emails/bounce
{"email": "..."} simulates a hard bounce from that address; POST /_local/meter/reset zeroes the meter.
`;

class UsageError extends Error {}

function wholeNumber(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${name} must be a whole number >= ${min} (got "${value}")`);
  return n;
}

function customerEmailMode(value: string): CustomerEmailMode {
  if (!isCustomerEmailMode(value)) {
    throw new UsageError(
      `--customer-emails must be one of ${CUSTOMER_EMAIL_MODES.join(", ")} (got "${value}")`,
    );
  }
  return value;
}

interface PaymentOptions {
  readonly paymentProvider: PaymentProvider;
  readonly stripeSecretKey?: string;
  readonly stripeApiBase?: string;
}

/** The provider, and with Stripe a test-mode key: a laptop never charges real cards. */
function paymentOptions(provider: string | undefined, apiBase: string | undefined): PaymentOptions {
  const paymentProvider = provider ?? process.env.ORDER_SYSTEM_PAYMENT_PROVIDER ?? "simulated";
  if (!isPaymentProvider(paymentProvider)) {
    throw new UsageError(
      `--payment-provider must be one of ${PAYMENT_PROVIDERS.join(", ")} (got "${paymentProvider}")`,
    );
  }
  if (apiBase !== undefined) {
    if (paymentProvider !== "stripe")
      throw new UsageError("--stripe-api-base needs --payment-provider stripe");
    let url: URL;
    try {
      url = new URL(apiBase);
    } catch {
      throw new UsageError(
        `--stripe-api-base must be a URL such as http://127.0.0.1:12111 (got "${apiBase}")`,
      );
    }
    if (!["http:", "https:"].includes(url.protocol) || (url.pathname !== "/" && url.pathname !== "")) {
      throw new UsageError(`--stripe-api-base must be an http(s) URL without a path (got "${apiBase}")`);
    }
  }
  if (paymentProvider === "simulated") return { paymentProvider };
  const key = process.env.STRIPE_SECRET_KEY?.trim();
  if (!key) {
    throw new UsageError(
      "--payment-provider stripe needs a Stripe test-mode secret key in STRIPE_SECRET_KEY (sk_test_…, from the Stripe Dashboard's developer settings)",
    );
  }
  if (!/^(sk|rk)_test_/.test(key)) {
    throw new UsageError(
      "STRIPE_SECRET_KEY must be a test-mode key (sk_test_… or rk_test_…): the local runtime never charges real cards",
    );
  }
  return { paymentProvider, stripeSecretKey: key, stripeApiBase: apiBase };
}

interface ListedProduct {
  readonly productId: string;
  readonly name: string;
  readonly price: number;
  readonly stock: number;
}

/** The banner shows the live catalog (a kept --data-dir may hold other stock than the seed). */
function banner(system: LocalOrderSystem, catalog: readonly ListedProduct[]): string {
  const products = catalog
    .map(
      (p) =>
        `  ${p.productId.padEnd(10)} ${p.name.padEnd(30)} ${p.price.toFixed(2).padStart(8)}  stock ${p.stock}`,
    )
    .join("\n");
  const scarce = catalog.reduce((a, b) => (b.stock < a.stock ? b : a));
  const signedIn = system.auth !== undefined;
  const auth = signedIn ? ` -H "Authorization: $TOKEN"` : "";
  const email = signedIn ? "" : `"customerEmail":"you@example.com",`;
  const order = (token: string, productId: string, quantity: number) =>
    `curl -s -X POST ${system.url}/orders${auth} -H 'Content-Type: application/json' \\\n` +
    `    -d '{${email}"paymentToken":"${token}","items":[{"productId":"${productId}","quantity":${quantity}}]}'`;
  const signIn = signedIn
    ? [
        "Sign in as a customer (an ID token like the user pool's; valid 30 minutes):",
        `  TOKEN=$(curl -s -X POST ${system.url}/_local/token -H 'Accept: text/plain' -d '{"email":"you@example.com"}')`,
        "",
      ]
    : ["Sign-in is off (--no-auth): order routes are open and orders have no owner.", ""];
  const payments = system.secrets
    ? "Payments: Stripe (test mode, STRIPE_SECRET_KEY). Test cards: tok_visa or pm_card_visa succeed, tok_chargeDeclined is declined."
    : "Payments: the simulated gateway (moves no money).";
  return [
    "",
    `Order system running at ${system.url}`,
    `Console (watch orders move, place test orders): ${system.url}/_local/console${signedIn ? "  (this machine only)" : ""}`,
    payments,
    "",
    "Products (GET /products):",
    products,
    "",
    ...signIn,
    "Place an order that succeeds:",
    `  ${order("tok_visa", catalog[0].productId, 2)}`,
    "",
    "Place an order that fails (card declined):",
    `  ${order("tok_chargeDeclined", catalog[1].productId, 1)}`,
    "",
    signedIn
      ? `Your orders: curl -s ${system.url}/orders${auth}   ·   one: curl -s ${system.url}/orders/<orderId>${auth}`
      : `Then: curl -s ${system.url}/orders/<orderId>`,
    `Notifications: curl -s ${system.url}/_local/notifications`,
    system.emails
      ? `Customer e-mails (captured, not sent): curl -s ${system.url}/_local/emails`
      : "Customer e-mails are off (--customer-emails off).",
    `Sold out soon: ${scarce.productId} (${scarce.name}) has ${scarce.stock} in stock.`,
    system.workflow.type === "EXPRESS"
      ? "Workflow: EXPRESS (an order's execution may run twice; its last step announces the order's end)."
      : "Workflow: STANDARD (one execution per order).",
    system.iamEnforced
      ? "IAM: each function's and the workflow's role from the synthesized stack is enforced; a denied call fails as in AWS and prints 'IAM denied …' (--no-iam turns it off)."
      : "IAM: not enforced (--no-iam): every AWS call is allowed.",
    `What each order costs AWS: curl -s ${system.url}/_local/meter`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

interface CliSettings {
  readonly port: number;
  readonly rootMethod: HttpMethod;
  readonly gatewayTransientFailures: number | undefined;
  readonly visibilitySeconds: number | undefined;
  readonly apiAuth: ApiAuthMode;
  readonly allowedOrigins: string[];
  readonly payments: PaymentOptions;
  readonly customerEmails: CustomerEmailMode;
  readonly workflowType: WorkflowType;
  readonly stuckOrderMinutes: number | undefined;
}

type CliArgs = Partial<Record<string, string | boolean>>;

/** The options and their environment fallbacks, validated; a UsageError names the bad one. */
function settingsFrom(args: CliArgs): CliSettings {
  const text = (name: string) => args[name] as string | undefined;
  const port = wholeNumber("--port", text("port") ?? process.env.PORT, 0) ?? 3000;
  if (port > 65535) throw new UsageError("--port must be at most 65535");
  const method = (text("root-method") ?? "POST").toUpperCase();
  if (!ROOT_METHODS.includes(method as HttpMethod)) {
    throw new UsageError(`--root-method must be one of ${ROOT_METHODS.join(", ")}`);
  }
  const authSetting = args["no-auth"] ? "none" : (process.env.ORDER_SYSTEM_API_AUTH ?? "cognito");
  if (!API_AUTH_MODES.includes(authSetting as ApiAuthMode)) {
    throw new UsageError(`ORDER_SYSTEM_API_AUTH must be one of ${API_AUTH_MODES.join(", ")}`);
  }
  let allowedOrigins: string[];
  try {
    allowedOrigins = parseAllowedOrigins(
      text("allowed-origins") ?? process.env.ORDER_SYSTEM_ALLOWED_ORIGINS ?? "",
    );
  } catch (error) {
    throw new UsageError(`--allowed-origins: ${(error as Error).message}`);
  }
  return {
    port,
    rootMethod: method as HttpMethod,
    gatewayTransientFailures: wholeNumber(
      "--gateway-transient-failures",
      text("gateway-transient-failures"),
      0,
    ),
    visibilitySeconds: wholeNumber("--visibility-timeout", text("visibility-timeout"), 1),
    apiAuth: authSetting as ApiAuthMode,
    allowedOrigins,
    payments: paymentOptions(text("payment-provider"), text("stripe-api-base")),
    customerEmails: customerEmailMode(
      text("customer-emails") ?? process.env.ORDER_SYSTEM_CUSTOMER_EMAILS ?? "on",
    ),
    workflowType: workflowTypeOf(text("workflow-type") ?? process.env.ORDER_SYSTEM_WORKFLOW_TYPE),
    stuckOrderMinutes: wholeNumber("--stuck-order-minutes", text("stuck-order-minutes"), 1),
  };
}

function workflowTypeOf(value: string | undefined): WorkflowType {
  if (value === undefined) return DEFAULT_WORKFLOW_TYPE;
  const type = value.toUpperCase();
  if (!isWorkflowType(type)) {
    throw new UsageError(`--workflow-type must be one of ${WORKFLOW_TYPES.join(", ")} (got "${value}")`);
  }
  return type;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "root-method": { type: "string" },
        "gateway-transient-failures": { type: "string" },
        "visibility-timeout": { type: "string" },
        "no-auth": { type: "boolean" },
        "allowed-origins": { type: "string" },
        "payment-provider": { type: "string" },
        "stripe-api-base": { type: "string" },
        "customer-emails": { type: "string" },
        "workflow-type": { type: "string" },
        "stuck-order-minutes": { type: "string" },
        "no-iam": { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let settings: CliSettings;
  try {
    settings = settingsFrom(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nRun \`npm start -- --help\` for the options.\n`);
      return 2;
    }
    throw error;
  }
  const {
    port,
    rootMethod,
    gatewayTransientFailures,
    visibilitySeconds,
    apiAuth,
    allowedOrigins,
    payments,
    customerEmails,
    workflowType,
    stuckOrderMinutes,
  } = settings;

  // Fail fast on a busy port, before anything starts.
  const probe = createServer();
  const portError = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    probe.once("error", done);
    probe.listen(port, args.host ?? "127.0.0.1", () => probe.close(() => done(undefined)));
  });
  if (portError?.code === "EADDRINUSE") {
    process.stderr.write(
      `Port ${port} is already in use. Stop what is using it, or pick another: PORT=${port + 1} npm start\n`,
    );
    return 3;
  }

  const time = () => new Date().toISOString().slice(11, 23);
  const log = (line: string) => process.stdout.write(`${time()}  ${line}\n`);
  process.stdout.write("Starting the order system (DynamoDB, queue, workflow, API)…\n");
  let system: LocalOrderSystem;
  let fatal: string | undefined;
  try {
    system = await startLocalOrderSystem({
      projectRoot: resolve(__dirname, ".."),
      port,
      host: args.host ?? "127.0.0.1",
      dataDir: args["data-dir"] ?? process.env.ORDER_SYSTEM_DATA_DIR,
      rootMethod,
      gatewayTransientFailures,
      visibilityTimeoutMs: visibilitySeconds === undefined ? undefined : visibilitySeconds * 1000,
      handlerLogs: args.verbose ?? false,
      apiAuth,
      allowedOrigins,
      ...payments,
      customerEmails,
      workflowType,
      stuckOrderMinutes,
      iam: !args["no-iam"],
      log,
      // The in-memory database died: stop what is left, and exit non-zero with the reason.
      onFatal: (message) => {
        fatal = message;
        process.stderr.write(`\n${message}\n`);
        process.kill(process.pid, "SIGTERM");
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      process.stderr.write(
        `Port ${port} is already in use. Stop what is using it, or pick another: PORT=${port + 1} npm start\n`,
      );
      return 3;
    }
    if (code === "EACCES") {
      process.stderr.write(`Not allowed to listen on port ${port}; pick a port above 1024.\n`);
      return 3;
    }
    process.stderr.write(`Could not start the order system: ${(error as Error).message}\n`);
    return 1;
  }
  system.notifications.onPublish((n) =>
    log(`SNS ${n.topic}: ${n.subject}\n${n.message.replace(/^/gm, "              | ")}`),
  );
  const listed = (await (await fetch(`${system.url}/products`)).json()) as { products: ListedProduct[] };
  process.stdout.write(banner(system, listed.products));

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stdout.write(`${signal}: still stopping; orders in progress are finishing (bounded).\n`);
        return;
      }
      stopping = true;
      process.stdout.write(
        `\n${signal}: stopping: new requests get 503, requests in hand are answered, queued orders and running workflows finish (bounded)…\n`,
      );
      system.stop().then(resolveStop, (error: unknown) => {
        process.stderr.write(`Error while stopping: ${String(error)}\n`);
        resolveStop();
      });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  process.stdout.write("Stopped.\n");
  return fatal === undefined ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
