/**
 * A stand-in for the Stripe API on a local port, reached through the SDK's own host/port/protocol
 * settings. It records every request as the SDK sent it (path, headers, form fields) and answers with
 * Stripe-shaped objects and error bodies. Like Stripe, it replays the saved response for a repeated
 * Idempotency-Key and refuses the same key with other parameters; scripted failures (5xx, 429, 409)
 * are not saved, so a retry with the same key can succeed.
 *
 * Test payment methods follow Stripe's names: pm_card_visa and tok_visa succeed; *chargeDeclined*
 * is declined (generic_decline), *InsufficientFunds* declined for insufficient funds,
 * *authenticationRequired* / *threeDSecureRequired* need 3-D Secure (requires_action, with a client
 * secret), *processing* settles later. `authenticate` plays the customer's browser (Stripe.js) and
 * Stripe's event after it: the intent succeeds or fails, and a signed event goes to the webhook
 * (`sendEvent` signs any event with the endpoint secret, as Stripe does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Stripe from "stripe";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly stripeVersion: string | undefined;
  readonly authorization: string | undefined;
  /** The form fields, flattened as sent: `metadata[orderId]`, `allowed_payment_method_types[0]`. */
  readonly form: Record<string, string>;
}

export interface CannedReply {
  readonly status: number;
  readonly body: object;
  readonly headers?: Record<string, string>;
}

type Json = Record<string, unknown>;

/** Stripe's error body for a request it refuses: `{ error: { type, message, code?, param? } }`. */
const stripeError = (
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
): CannedReply => ({ status, body: { error: { type, ...extra, message } } });

/** Failures a test scripts (see `script`): what Stripe answers when it cannot complete a request. */
export const stripeErrors = {
  apiError: (): CannedReply => stripeError(500, "api_error", "An unknown error occurred"),
  rateLimit: (): CannedReply =>
    stripeError(429, "invalid_request_error", "Too many requests", { code: "rate_limit" }),
  idempotencyInProgress: (): CannedReply =>
    stripeError(
      409,
      "idempotency_error",
      "There is currently another in-progress request using this Stripe-Idempotency-Key.",
    ),
};

/**
 * Stripe's test cards that do not pay, with the business error and the reason the order records:
 * the adapter's tests and the saga's end to end use the same table.
 */
export const STRIPE_TEST_REFUSALS: readonly (readonly [token: string, error: string, reason: string])[] = [
  ["pm_card_chargeDeclined", "PaymentDeclined", "The card was declined (generic_decline)."],
  ["tok_chargeDeclined", "PaymentDeclined", "The card was declined (generic_decline)."],
  [
    "pm_card_chargeDeclinedInsufficientFunds",
    "InsufficientFunds",
    "The card was declined: insufficient funds.",
  ],
];

export interface StripeStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** PaymentIntents that moved money (succeeded), by id. */
  readonly charges: Map<string, Json>;
  readonly refunds: Map<string, Json>;
  /** Replies the next requests to `METHOD /path` get before the normal behaviour resumes. */
  script(route: string, ...replies: CannedReply[]): void;
  /** Drops scripted replies not used yet (the SDK may retry fewer times than scripted). */
  clearScripts(): void;
  /** Runs before the reply to every request of `METHOD /path` (e.g. to empty a shelf mid-order). */
  onRequest(route: string, hook: (request: RecordedRequest) => Promise<void>): void;
  /** A refund made outside this system (the Dashboard): the next refund by key finds it done. */
  refundOutside(paymentIntentId: string, amount?: number): string;
  /** Every PaymentIntent created, by id (whatever its status). */
  readonly intents: Map<string, Json>;
  /**
   * The customer's browser finishing 3-D Secure (or a processing payment settling): the intent
   * succeeds, or fails back to requires_payment_method; the event Stripe sends is returned, unsent.
   */
  authenticate(paymentIntentId: string, outcome: "succeeded" | "failed"): Json;
  /** POSTs the event to the webhook with a `Stripe-Signature` made with `secret` at `timestamp`. */
  sendEvent(
    webhookUrl: string,
    event: Json,
    options?: { readonly secret?: string; readonly timestamp?: number },
  ): Promise<{ status: number; body: unknown }>;
  requestsTo(route: string): RecordedRequest[];
  stop(): Promise<void>;
}

const routeOf = (method: string, path: string) => `${method} ${path}`;

function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("error", reject);
    request.on("end", () =>
      resolve(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")))),
    );
  });
}

const cardError = (code: string, declineCode: string, message: string): CannedReply => ({
  status: 402,
  body: { error: { type: "card_error", code, decline_code: declineCode, message } },
});

export async function startStripeStandIn(
  options: { readonly webhookSecret?: string } = {},
): Promise<StripeStandIn> {
  const requests: RecordedRequest[] = [];
  const charges = new Map<string, Json>();
  const refunds = new Map<string, Json>();
  const intents = new Map<string, Json>();
  const scripted = new Map<string, CannedReply[]>();
  const hooks = new Map<string, (request: RecordedRequest) => Promise<void>>();
  const saved = new Map<string, { form: string; reply: CannedReply }>();
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}_standin${String(++sequence).padStart(6, "0")}`;

  const paymentMethod = (form: Record<string, string>): CannedReply => {
    const token = form["card[token]"];
    if (form.type !== "card" || !token) {
      return stripeError(400, "invalid_request_error", "card[token] is required", { param: "card" });
    }
    return { status: 200, body: { id: `pm_from_${token}`, object: "payment_method", type: "card" } };
  };

  const paymentIntent = (form: Record<string, string>): CannedReply => {
    const method = form.payment_method ?? "";
    // Stripe's test methods (pm_card_…) and the ones made from tokens here; any other id is unknown.
    if (!/^pm_(card_|from_)/.test(method)) {
      return stripeError(400, "invalid_request_error", `No such PaymentMethod: '${method}'`, {
        code: "resource_missing",
        param: "payment_method",
      });
    }
    if (/InsufficientFunds/i.test(method)) {
      return cardError("card_declined", "insufficient_funds", "Your card has insufficient funds.");
    }
    if (/chargeDeclined/i.test(method)) {
      return cardError("card_declined", "generic_decline", "Your card was declined.");
    }
    const id = nextId("pi");
    const status = /authenticationRequired|threeDSecureRequired/i.test(method)
      ? "requires_action"
      : /processing/i.test(method)
        ? "processing"
        : "succeeded";
    const intent: Json = {
      id,
      object: "payment_intent",
      amount: Number(form.amount),
      currency: form.currency,
      metadata: { orderId: form["metadata[orderId]"] },
      created: Math.floor(Date.now() / 1000),
      payment_method: method,
      status,
      client_secret: `${id}_secret_standin`,
      next_action: status === "requires_action" ? { type: "use_stripe_sdk" } : null,
      last_payment_error: null,
    };
    intents.set(String(intent.id), intent);
    if (intent.status === "succeeded") charges.set(String(intent.id), intent);
    return { status: 200, body: intent };
  };

  const refund = (form: Record<string, string>): CannedReply => {
    const intentId = form.payment_intent;
    if (!intentId || !charges.has(intentId)) {
      return stripeError(400, "invalid_request_error", `No such payment_intent: '${intentId}'`, {
        code: "resource_missing",
        param: "payment_intent",
      });
    }
    if ([...refunds.values()].some((r) => r.payment_intent === intentId)) {
      return stripeError(
        400,
        "invalid_request_error",
        `Charge for PaymentIntent ${intentId} has already been refunded.`,
        { code: "charge_already_refunded" },
      );
    }
    const created: Json = {
      id: nextId("re"),
      object: "refund",
      payment_intent: intentId,
      amount: charges.get(intentId)!.amount,
      status: "succeeded",
      created: Math.floor(Date.now() / 1000),
      metadata: { orderId: form["metadata[orderId]"] },
    };
    refunds.set(String(created.id), created);
    return { status: 200, body: created };
  };

  /** Objects created at or after `created[gte]` (when given), as Stripe's list endpoints filter. */
  const createdSince = (query: URLSearchParams) => (object: Json) =>
    !query.has("created[gte]") || Number(object.created) >= Number(query.get("created[gte]"));

  const listRefunds = (query: URLSearchParams): CannedReply => {
    const intent = query.get("payment_intent");
    const data = [...refunds.values()]
      .filter((r) => !intent || r.payment_intent === intent)
      .filter(createdSince(query));
    return { status: 200, body: { object: "list", data, has_more: false, url: "/v1/refunds" } };
  };

  const listIntents = (query: URLSearchParams): CannedReply => {
    const data = [...intents.values()].filter(createdSince(query));
    return { status: 200, body: { object: "list", data, has_more: false, url: "/v1/payment_intents" } };
  };

  /** POST /v1/payment_intents/{id}/cancel: an intent that has not succeeded can be canceled. */
  const cancelIntent = (id: string): CannedReply => {
    const intent = intents.get(id);
    if (!intent) {
      return stripeError(404, "invalid_request_error", `No such payment_intent: '${id}'`, {
        code: "resource_missing",
      });
    }
    if (intent.status === "succeeded" || intent.status === "canceled") {
      return stripeError(
        400,
        "invalid_request_error",
        `You cannot cancel this PaymentIntent because it has a status of ${String(intent.status)}.`,
        { code: "payment_intent_unexpected_state" },
      );
    }
    Object.assign(intent, { status: "canceled", cancellation_reason: "abandoned", next_action: null });
    return { status: 200, body: intent };
  };

  const behaviour = (route: string, form: Record<string, string>, query: URLSearchParams): CannedReply => {
    const intentAction = /^(GET|POST) \/v1\/payment_intents\/(pi_\w+)(\/cancel)?$/.exec(route);
    if (intentAction) {
      const [, method, id, cancel] = intentAction;
      if (method === "POST" && cancel) return cancelIntent(id);
      const intent = intents.get(id);
      if (method === "GET" && !cancel && intent) return { status: 200, body: intent };
      return stripeError(404, "invalid_request_error", `No such payment_intent: '${id}'`, {
        code: "resource_missing",
      });
    }
    switch (route) {
      case "POST /v1/payment_methods":
        return paymentMethod(form);
      case "POST /v1/payment_intents":
        return paymentIntent(form);
      case "POST /v1/refunds":
        return refund(form);
      case "GET /v1/refunds":
        return listRefunds(query);
      case "GET /v1/payment_intents":
        return listIntents(query);
      default:
        return stripeError(404, "invalid_request_error", `Unrecognized request URL (${route})`);
    }
  };

  const answer = async (request: IncomingMessage): Promise<CannedReply> => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const form = request.method === "POST" ? await readForm(request) : {};
    const header = (name: string) => request.headers[name] as string | undefined;
    const recorded: RecordedRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      idempotencyKey: header("idempotency-key"),
      stripeVersion: header("stripe-version"),
      authorization: header("authorization"),
      form,
    };
    requests.push(recorded);
    const route = routeOf(recorded.method, recorded.path);
    if (!recorded.authorization?.startsWith("Bearer sk_test_")) {
      return stripeError(401, "invalid_request_error", "Invalid API Key provided: sk_****");
    }
    await hooks.get(route)?.(recorded);
    const canned = scripted.get(route)?.shift();
    if (canned) return canned;
    const key = recorded.idempotencyKey;
    const formKey = JSON.stringify(form);
    if (key && recorded.method === "POST") {
      const previous = saved.get(`${route} ${key}`);
      if (previous) {
        if (previous.form === formKey) return previous.reply;
        return stripeError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      const reply = behaviour(route, form, url.searchParams);
      saved.set(`${route} ${key}`, { form: formKey, reply });
      return reply;
    }
    return behaviour(route, form, url.searchParams);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    answer(request).then(
      (reply) => {
        const body = JSON.stringify(reply.body);
        response.writeHead(reply.status, {
          "Content-Type": "application/json",
          "Request-Id": `req_${++sequence}`,
          ...reply.headers,
        });
        response.end(body);
      },
      (error: unknown) => {
        response.writeHead(500, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ error: { type: "api_error", message: String(error) } }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    charges,
    refunds,
    script: (route, ...replies) => scripted.set(route, [...(scripted.get(route) ?? []), ...replies]),
    clearScripts: () => scripted.clear(),
    onRequest: (route, hook) => hooks.set(route, hook),
    intents,
    authenticate: (paymentIntentId, outcome) => {
      const intent = intents.get(paymentIntentId);
      if (!intent) throw new Error(`No PaymentIntent ${paymentIntentId}`);
      if (outcome === "succeeded") {
        Object.assign(intent, { status: "succeeded", next_action: null });
        charges.set(paymentIntentId, intent);
      } else {
        Object.assign(intent, {
          status: "requires_payment_method",
          next_action: null,
          last_payment_error: { code: "payment_intent_authentication_failure", type: "card_error" },
        });
      }
      const type = outcome === "succeeded" ? "payment_intent.succeeded" : "payment_intent.payment_failed";
      return { id: nextId("evt"), object: "event", type, data: { object: structuredClone(intent) } };
    },
    sendEvent: async (webhookUrl, event, signing = {}) => {
      const payload = JSON.stringify(event);
      const secret = signing.secret ?? options.webhookSecret;
      if (!secret) throw new Error("The stand-in has no webhook secret to sign with");
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Stripe-Signature": Stripe.webhooks.generateTestHeaderString({
            payload,
            secret,
            timestamp: signing.timestamp,
          }),
        },
        body: payload,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    refundOutside: (paymentIntentId, amount) => {
      const id = nextId("re");
      refunds.set(id, {
        id,
        object: "refund",
        payment_intent: paymentIntentId,
        amount: amount ?? charges.get(paymentIntentId)?.amount ?? 0,
        status: "succeeded",
        reason: "requested_by_customer",
        created: Math.floor(Date.now() / 1000),
        metadata: {},
      });
      return id;
    },
    requestsTo: (route) => requests.filter((r) => routeOf(r.method, r.path) === route),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
