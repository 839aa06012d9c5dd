/**
 * What `npm start` prints once the system is up: where it runs, the live catalog, how to sign in and
 * place an order that succeeds and one that fails, and which settings are in force. Flags and test
 * cards are quoted from their one home (the option table, the test cards), never written here.
 */
import type { LocalOrderSystem } from "./order-system";
import { optionFor } from "./options";
import { TEST_CARDS, testCard } from "./runtime/test-cards";

export interface ListedProduct {
  readonly productId: string;
  readonly name: string;
  readonly price: number;
  readonly stock: number;
}

function orderCommand(system: LocalOrderSystem, token: string, product: ListedProduct, quantity: number) {
  const signedIn = system.auth !== undefined;
  const auth = signedIn ? ` -H "Authorization: $TOKEN"` : "";
  const email = signedIn ? "" : `"customerEmail":"you@example.com",`;
  return (
    `curl -s -X POST ${system.url}/orders${auth} -H 'Content-Type: application/json' \\\n` +
    `    -d '{${email}"paymentToken":"${token}","items":[{"productId":"${product.productId}","quantity":${quantity}}]}'`
  );
}

/** One line per setting a reader would want to know is on or off. */
function settingLines(system: LocalOrderSystem): string[] {
  const off = (setting: Parameters<typeof optionFor>[0]) => optionFor(setting).flag;
  return [
    system.emails
      ? `Customer e-mails (captured, not sent): curl -s ${system.url}/_local/emails`
      : `Customer e-mails are off (${off("customerEmails")} off).`,
    system.workflow.type === "EXPRESS"
      ? "Workflow: EXPRESS (an order's execution may run twice; its last step announces the order's end)."
      : "Workflow: STANDARD (one execution per order).",
    system.iamEnforced
      ? `IAM: each function's and the workflow's role from the synthesized stack is enforced; a denied call fails as in AWS and prints 'IAM denied …' (${off("iam")} turns it off).`
      : `IAM: not enforced (${off("iam")}): every AWS call is allowed.`,
  ];
}

/** The banner shows the live catalog (a kept data dir may hold other stock than the seed). */
export function banner(system: LocalOrderSystem, catalog: readonly ListedProduct[]): string {
  const products = catalog.map(
    (p) =>
      `  ${p.productId.padEnd(10)} ${p.name.padEnd(30)} ${p.price.toFixed(2).padStart(8)}  stock ${p.stock}`,
  );
  const scarce = catalog.reduce((a, b) => (b.stock < a.stock ? b : a));
  const signedIn = system.auth !== undefined;
  const auth = signedIn ? ` -H "Authorization: $TOKEN"` : "";
  const provider = system.settings.paymentProvider;
  const cards = TEST_CARDS[provider].map((c) => `${c.token} ${c.outcome}`).join("; ");
  const signIn = signedIn
    ? [
        "Sign in as a customer (an ID token like the user pool's; valid 30 minutes):",
        `  TOKEN=$(curl -s -X POST ${system.url}/_local/token -H 'Accept: text/plain' -d '{"email":"you@example.com"}')`,
      ]
    : [`Sign-in is off (${optionFor("apiAuth").flag}): order routes are open and orders have no owner.`];
  return [
    "",
    `Order system running at ${system.url}`,
    `Console (watch orders move, place test orders): ${system.url}/_local/console${signedIn ? "  (this machine only)" : ""}`,
    provider === "stripe"
      ? `Payments: Stripe (test mode, ${optionFor("stripeSecretKey").env}). Test cards: ${cards}.`
      : `Payments: the simulated gateway (moves no money). Test cards: ${cards}.`,
    "",
    "Products (GET /products):",
    ...products,
    "",
    ...signIn,
    "",
    "Place an order that succeeds:",
    `  ${orderCommand(system, testCard(provider, "succeeds"), catalog[0], 2)}`,
    "",
    "Place an order that fails (card declined):",
    `  ${orderCommand(system, testCard(provider, "declined"), catalog[1], 1)}`,
    "",
    signedIn
      ? `Your orders: curl -s ${system.url}/orders${auth}   ·   one: curl -s ${system.url}/orders/<orderId>${auth}`
      : `Then: curl -s ${system.url}/orders/<orderId>`,
    `Notifications: curl -s ${system.url}/_local/notifications`,
    ...settingLines(system),
    `Sold out soon: ${scarce.productId} (${scarce.name}) has ${scarce.stock} in stock.`,
    `What each order costs AWS: curl -s ${system.url}/_local/meter`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}
