/**
 * Every option of `npm start`, in one table: its flag, the environment variable it falls back to, the
 * runtime setting it sets, how its text is parsed, and its help line. The CLI's parser, `--help`, the
 * banner's hints and the README's options table are all derived from it; defaults are the runtime's
 * (RUNTIME_DEFAULTS, from the contracts), never written here.
 */
import { parseArgs } from "node:util";
import { parseAllowedOrigins } from "../lambdas/platform/cors";
import { API_AUTH_MODES, type ApiAuthMode } from "../lambdas/customers/customer";
import { CUSTOMER_EMAIL_MODES } from "../lambdas/email/customer-emails";
import { PAYMENT_PROVIDERS } from "../lambdas/platform/payment-providers";
import { ROOT_METHODS, type HttpMethod } from "../lambdas/platform/routes";
import { WORKFLOW_TYPES } from "../lambdas/workflow/type";
import { RUNTIME_DEFAULTS, type LocalRuntimeOptions } from "./runtime/settings";
import { catalogueFile, eventSubscription, oneOf, text, UsageError, wholeNumber } from "./option-parsers";

export { UsageError, wholeNumber };

/** The runtime settings an option may set. */
type CliSetting = keyof LocalRuntimeOptions;

export type CliValues = Partial<Pick<LocalRuntimeOptions, CliSetting>>;

export interface CliOption {
  /** The command-line flag; an option read from the environment only has none. */
  readonly flag?: `--${string}`;
  /** The value's placeholder in --help; a switch (no value) has none. */
  readonly arg?: string;
  readonly env?: string;
  readonly setting: CliSetting;
  readonly help: string;
  /** The default as --help and the README show it. */
  readonly shownDefault: string;
  /** The flag may be given more than once: the setting is the list of each value parsed. */
  readonly multiple?: boolean;
  /** A switch's value when it is given. */
  readonly switchValue?: unknown;
  /** Text from the flag or the environment → the setting's value; `source` names where it came from. */
  readonly parse: (text: string, source: string) => unknown;
}

export const CLI_OPTIONS: readonly CliOption[] = [
  {
    flag: "--port",
    arg: "<n>",
    env: "PORT",
    setting: "port",
    help: "HTTP port of the API and the console (0 picks a free one)",
    shownDefault: String(RUNTIME_DEFAULTS.port),
    parse: wholeNumber(0, 65535),
  },
  {
    flag: "--host",
    arg: "<addr>",
    setting: "host",
    help: "Interface to listen on",
    shownDefault: RUNTIME_DEFAULTS.host,
    parse: text,
  },
  {
    flag: "--data-dir",
    arg: "<dir>",
    env: "ORDER_SYSTEM_DATA_DIR",
    setting: "dataDir",
    help: "Keep DynamoDB data and the queues in <dir> between runs",
    shownDefault: "in memory",
    parse: text,
  },
  {
    flag: "--catalog",
    arg: "<file>",
    env: "ORDER_SYSTEM_CATALOG",
    setting: "catalog",
    help: "Start with the products of this JSON catalogue (as lambdas/catalog/catalog.json); kept products stay",
    shownDefault: "the bundled catalogue",
    parse: catalogueFile,
  },
  {
    flag: "--root-method",
    arg: "<method>",
    setting: "rootMethod",
    help: `Method of the root route "/", as http_method (${ROOT_METHODS.join(", ")})`,
    shownDefault: RUNTIME_DEFAULTS.rootMethod,
    parse: oneOf<HttpMethod>(ROOT_METHODS, (t) => t.toUpperCase()),
  },
  {
    flag: "--gateway-transient-failures",
    arg: "<n>",
    setting: "gatewayTransientFailures",
    help: "Attempts of a tok_processingError charge that fail before the simulated gateway recovers",
    shownDefault: String(RUNTIME_DEFAULTS.gatewayTransientFailures),
    parse: wholeNumber(0),
  },
  {
    flag: "--visibility-timeout",
    arg: "<seconds>",
    setting: "visibilityTimeoutMs",
    help: "OrdersQueue visibility timeout",
    shownDefault: `${RUNTIME_DEFAULTS.visibilityTimeoutMs / 1000}, as deployed`,
    parse: (value, source) => wholeNumber(1)(value, source) * 1000,
  },
  {
    flag: "--no-auth",
    env: "ORDER_SYSTEM_API_AUTH",
    setting: "apiAuth",
    help: `Order routes without sign-in, as api_auth = none (the variable takes ${API_AUTH_MODES.join(" or ")})`,
    shownDefault: `${RUNTIME_DEFAULTS.apiAuth}: sign-in on`,
    switchValue: "none" satisfies ApiAuthMode,
    parse: oneOf(API_AUTH_MODES),
  },
  {
    flag: "--allowed-origins",
    arg: "<list>",
    env: "ORDER_SYSTEM_ALLOWED_ORIGINS",
    setting: "allowedOrigins",
    help: "Storefront origins allowed by CORS, comma-separated, as allowed_origins",
    shownDefault: "none",
    parse: (value, source) => {
      try {
        return parseAllowedOrigins(value);
      } catch (error) {
        throw new UsageError(`${source}: ${(error as Error).message}`);
      }
    },
  },
  {
    flag: "--payment-provider",
    arg: "<name>",
    env: "ORDER_SYSTEM_PAYMENT_PROVIDER",
    setting: "paymentProvider",
    help: `${PAYMENT_PROVIDERS.join(" or ")}, as payment_provider; stripe charges in Stripe's test mode with STRIPE_SECRET_KEY`,
    shownDefault: RUNTIME_DEFAULTS.paymentProvider,
    parse: oneOf(PAYMENT_PROVIDERS),
  },
  {
    env: "STRIPE_WEBHOOK_SECRET",
    setting: "stripeWebhookSecret",
    help: "The signing secret (whsec_…) /webhooks/stripe verifies Stripe's events with (e.g. from `stripe listen`), with the stripe provider only",
    shownDefault: "none",
    parse: (value) => value.trim(),
  },
  {
    env: "STRIPE_SECRET_KEY",
    setting: "stripeSecretKey",
    help: "Stripe's test-mode secret key (sk_test_… or rk_test_…), with the stripe provider only",
    shownDefault: "none",
    parse: (value, source) => {
      const key = value.trim();
      if (key && !/^(sk|rk)_test_/.test(key))
        throw new UsageError(
          `${source} must be a test-mode key (sk_test_… or rk_test_…): the local runtime never charges real cards`,
        );
      return key || undefined;
    },
  },
  {
    flag: "--stripe-api-base",
    arg: "<url>",
    setting: "stripeApiBase",
    help: "Send Stripe's API calls to another host (a stand-in for tests), with the stripe provider only",
    shownDefault: "api.stripe.com",
    parse: (value, source) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new UsageError(`${source} must be a URL such as http://127.0.0.1:12111 (got "${value}")`);
      }
      if (!["http:", "https:"].includes(url.protocol) || (url.pathname !== "/" && url.pathname !== ""))
        throw new UsageError(`${source} must be an http(s) URL without a path (got "${value}")`);
      return value;
    },
  },
  {
    flag: "--customer-emails",
    arg: "<on|off>",
    env: "ORDER_SYSTEM_CUSTOMER_EMAILS",
    setting: "customerEmails",
    help: "E-mail customers (captured at /_local/emails, never sent), as customer_emails",
    shownDefault: RUNTIME_DEFAULTS.customerEmails,
    parse: oneOf(CUSTOMER_EMAIL_MODES),
  },
  {
    flag: "--workflow-type",
    arg: "<type>",
    env: "ORDER_SYSTEM_WORKFLOW_TYPE",
    setting: "workflowType",
    help: `${WORKFLOW_TYPES.join(" or ")}, as workflow_type`,
    shownDefault: RUNTIME_DEFAULTS.workflowType,
    parse: oneOf(WORKFLOW_TYPES, (t) => t.toUpperCase()),
  },
  {
    flag: "--stuck-order-minutes",
    arg: "<n>",
    setting: "stuckOrderMinutes",
    help: "An order still PENDING or PROCESSING n minutes after its last update is stuck, as stuck_order_minutes (the reconciler looks every 5 minutes)",
    shownDefault: String(RUNTIME_DEFAULTS.stuckOrderMinutes),
    parse: wholeNumber(1),
  },
  {
    flag: "--payment-action-timeout",
    arg: "<seconds>",
    setting: "paymentActionTimeoutSeconds",
    help: "How long an order waits for its payment's outcome (3-D Secure, processing) before the payment is canceled, as payment_action_timeout_minutes (in seconds here, to test the timeout)",
    shownDefault: String(RUNTIME_DEFAULTS.paymentActionTimeoutSeconds),
    parse: wholeNumber(1, 86_400),
  },
  {
    flag: "--idempotency-key-ttl-hours",
    arg: "<n>",
    setting: "idempotencyKeyTtlHours",
    help: "How long an Idempotency-Key names the order it created, as idempotency_key_ttl_hours",
    shownDefault: String(RUNTIME_DEFAULTS.idempotencyKeyTtlHours),
    parse: wholeNumber(1, 720),
  },
  {
    flag: "--reconcile-days",
    arg: "<n>",
    setting: "reconcileDays",
    help: "How many days of the payment provider's payments the payment reconciliation compares with the orders (daily, and POST /_local/reconcile-payments), as reconcile_days",
    shownDefault: String(RUNTIME_DEFAULTS.reconcileDays),
    parse: wholeNumber(1, 30),
  },
  {
    flag: "--low-stock-threshold",
    arg: "<n>",
    setting: "lowStockThreshold",
    help: "The stock at or below which a product counts as low (one message at /_local/notifications per crossing), for products without a threshold of their own, as low_stock_threshold",
    shownDefault: String(RUNTIME_DEFAULTS.lowStockThreshold),
    parse: wholeNumber(0, 1_000_000),
  },
  {
    flag: "--return-window-days",
    arg: "<n>",
    setting: "returnWindowDays",
    help: "Days after shipment a customer may ask for a return (0: no returns), as return_window_days",
    shownDefault: String(RUNTIME_DEFAULTS.returnWindowDays),
    parse: wholeNumber(0, 365),
  },
  {
    flag: "--event-subscription",
    arg: "<url>[,<detail-type>…]",
    setting: "eventSubscriptions",
    multiple: true,
    help: "Deliver the order events (of the detail-types named, else all) to this URL as an API destination would: POST, retried on 5xx, 429 and timeouts, then /_local/queue's dead letters. Repeatable",
    shownDefault: "none",
    parse: eventSubscription,
  },
  {
    flag: "--no-iam",
    setting: "iam",
    help: "Do not enforce IAM (by default every AWS call a function or the workflow makes is checked against its role in the synthesized stack, and a denied call fails as in AWS)",
    shownDefault: "enforced",
    switchValue: false,
    parse: () => false,
  },
  {
    flag: "--verbose",
    setting: "handlerLogs",
    help: "Also print the handlers' JSON logs and EMF metrics",
    shownDefault: "off",
    switchValue: true,
    parse: () => true,
  },
];

/** The option that sets a setting (the banner names flags through this, never by hand). */
export function optionFor(setting: CliSetting): CliOption {
  const option = CLI_OPTIONS.find((o) => o.setting === setting);
  if (!option) throw new Error(`No option sets ${setting}`);
  return option;
}

export type CommandLine =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly values: CliValues;
      /** The values of the calling program's own options (a benchmark's --orders), as parseArgs gives them. */
      readonly own: Record<string, string | boolean | undefined>;
    };

/** A program that starts the runtime may take options of its own beside the table's (string-valued). */
export type OwnOptions = readonly string[];

/** Combinations one option alone cannot check. */
function checkCombination(values: CliValues): void {
  const apiBase = optionFor("stripeApiBase").flag;
  const provider = optionFor("paymentProvider").flag;
  const key = optionFor("stripeSecretKey").env;
  if (values.paymentProvider !== "stripe") {
    if (values.stripeApiBase !== undefined) throw new UsageError(`${apiBase} needs ${provider} stripe`);
    return;
  }
  if (!values.stripeSecretKey) {
    throw new UsageError(
      `${provider} stripe needs a Stripe test-mode secret key in ${key} (sk_test_…, from the Stripe Dashboard's developer settings)`,
    );
  }
}

/** argv and the environment → the runtime's options; a UsageError names the bad one. */
export function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  ownOptions: OwnOptions = [],
): CommandLine {
  const flagged = CLI_OPTIONS.filter((o) => o.flag);
  let args: Record<string, string | boolean | string[] | boolean[] | undefined>;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(
          flagged.map((o) => [
            o.flag!.slice(2),
            { type: o.arg ? ("string" as const) : ("boolean" as const), multiple: o.multiple === true },
          ]),
        ),
        ...Object.fromEntries(ownOptions.map((name) => [name, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (args.help) return { help: true };
  const values: Record<string, unknown> = {};
  for (const option of CLI_OPTIONS) {
    // Only the stripe provider reads Stripe's key (its row follows the provider's).
    if (option.setting === "stripeSecretKey" && values.paymentProvider !== "stripe") continue;
    const given = option.flag ? args[option.flag.slice(2)] : undefined;
    const fromEnv = option.env ? env[option.env] : undefined;
    if (given === true) values[option.setting] = option.switchValue;
    else if (typeof given === "string") values[option.setting] = option.parse(given, option.flag!);
    else if (Array.isArray(given))
      values[option.setting] = given.map((g) => option.parse(String(g), option.flag!));
    else if (fromEnv !== undefined && fromEnv !== "")
      values[option.setting] = option.parse(fromEnv, option.env!);
  }
  checkCombination(values as CliValues);
  const own = Object.fromEntries(ownOptions.map((name) => [name, args[name] as string | undefined]));
  return { help: false, values: values as CliValues, own };
}

function wrap(words: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of words.split(" ")) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

const synopsis = (o: CliOption) => (o.flag ? `${o.flag}${o.arg ? ` ${o.arg}` : ""}` : `$${o.env}`);
const fallback = (o: CliOption) => (o.flag && o.env ? `$${o.env}, else ` : "");

export function helpText(): string {
  const indent = " ".repeat(37);
  const lines = CLI_OPTIONS.map(
    (o) =>
      `  ${synopsis(o).padEnd(34)} ${wrap(`${o.help} (default: ${fallback(o)}${o.shownDefault})`, 64, indent)}`,
  );
  return [
    "Usage: npm start -- [options]",
    "",
    "Runs the order system locally: the bundled Lambda handlers, the state machine definition the stack",
    "deploys, DynamoDB (dynalite), SQS, SNS, SES, EventBridge and the user pool's twins, behind an HTTP",
    "server that speaks the API Gateway contract, with a console at /_local/console.",
    "",
    "Options:",
    ...lines,
    `  ${"-h, --help".padEnd(34)} Show this help`,
    "",
    "Local endpoints (/_local/...) and what each answers: docs/LOCAL.md.",
    "",
  ].join("\n");
}

/** The README's options table, row for row; a `|` in a cell (`<on|off>`) is escaped. */
const cell = (text: string) => text.replace(/\|/g, "\\|");
export function optionsTableMarkdown(): string {
  const rows = CLI_OPTIONS.map(
    (o) =>
      `| ${o.flag ? cell(`\`${synopsis(o)}\``) : ""} | ${o.env ? `\`${o.env}\`` : ""} | ${cell(o.shownDefault)} | ${cell(o.help)} |`,
  );
  return ["| Option | Environment | Default | What it does |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}
