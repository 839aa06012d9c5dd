/**
 * What the store's staff do after the sale, from the journey: cancel, record the shipment, refund,
 * and receive or reject a customer's return.
 * The page calls the same API routes as any client, signed in as a local staff member (a token of
 * the staff group from POST /_local/token), so the routes' rules and local IAM apply as deployed.
 */
import type { ConsoleOrder, ConsoleReturn } from "../console-api";
import { el, json, messageOf, say } from "./dom";
import { staffAuth } from "./staff";

type Route = "cancel" | "shipment" | "refunds" | `returns/${string}/receipt` | `returns/${string}/rejection`;

const DONE: Record<string, string> = {
  cancel: "cancelled",
  shipment: "shipped",
  refunds: "refunded",
  receipt: "return received",
  rejection: "return rejected",
};

async function act(order: ConsoleOrder, route: Route, body: unknown, done: () => void): Promise<void> {
  const last = route.split("/").at(-1)!;
  try {
    await json(`/orders/${order.orderId}/${route}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(last === "rejection" ? {} : { "Idempotency-Key": crypto.randomUUID() }),
        ...(await staffAuth()),
      },
      body: JSON.stringify(body),
    });
    say(`${order.orderId}: ${DONE[last]}.`);
    const typed: Record<string, string[]> = {
      shipment: ["carrier", "trackingNumber"],
      refunds: ["amount", "reason"],
      rejection: [`reject-${route.split("/")[1]}`],
    };
    forget(order.orderId, ...(typed[last] ?? []));
  } catch (error) {
    say(`${order.orderId}: ${messageOf(error)}`);
  }
  done();
}

/**
 * What staff typed, by order and field: the journey is drawn again whenever the order's feed moves
 * (an e-mail sent, a status change), and a half-typed refund must survive that.
 */
const drafts = new Map<string, string>();

function field(orderId: string, name: string, placeholder: string, size: number): HTMLInputElement {
  const key = `${orderId}/${name}`;
  const input = el("input", { name, placeholder, size, "aria-label": placeholder }) as HTMLInputElement;
  input.value = drafts.get(key) ?? "";
  input.addEventListener("input", () => drafts.set(key, input.value));
  return input;
}

function forget(orderId: string, ...names: string[]): void {
  for (const name of names) drafts.delete(`${orderId}/${name}`);
}

function button(label: string, onClick: () => void): HTMLElement {
  const node = el("button", { type: "button", "data-action": label }, label);
  node.addEventListener("click", onClick);
  return node;
}

/**
 * The actions shown last, by what they depend on: while the order's status and payment stay the
 * same, a redraw of the journey keeps the same elements (what is typed, and the focus, stay put).
 */
let shown: { readonly key: string; readonly node: Node | undefined } | undefined;

/** The actions this order's status and payment allow; undefined when none does. */
export function afterSaleActions(order: ConsoleOrder, done: () => void): Node | undefined {
  const returns = (order.returns ?? []).map((r) => `${r.returnId}:${r.status}`).join(",");
  const key = `${order.orderId}|${order.status}|${order.payment?.status ?? "-"}|${returns}`;
  if (shown?.key !== key) shown = { key, node: buildActions(order, done) };
  return shown.node;
}

/** A staff action's fields and the button that sends them. */
function form(fields: readonly HTMLInputElement[], action: string, send: () => Promise<void>): Node {
  return el(
    "span",
    { class: "after-sale-form" },
    ...fields,
    button(action, () => void send()),
  );
}

function buildActions(order: ConsoleOrder, done: () => void): Node | undefined {
  const parts: Node[] = [];
  if (["PENDING", "PROCESSING", "CONFIRMED"].includes(order.status)) {
    parts.push(
      button("cancel", () => void act(order, "cancel", { reason: "Cancelled from the console." }, done)),
    );
  }
  if (order.status === "CONFIRMED") {
    const carrier = field(order.orderId, "carrier", "carrier", 8);
    const tracking = field(order.orderId, "trackingNumber", "tracking number", 14);
    parts.push(
      form([carrier, tracking], "ship", () =>
        act(order, "shipment", { carrier: carrier.value, trackingNumber: tracking.value }, done),
      ),
    );
  }
  const refundable = order.payment?.status === "CHARGED" || order.payment?.status === "PARTIALLY_REFUNDED";
  if (refundable && ["CONFIRMED", "SHIPPED", "RETURNED"].includes(order.status)) {
    const amount = field(order.orderId, "amount", "amount", 6);
    const reason = field(order.orderId, "reason", "reason", 14);
    parts.push(
      form([amount, reason], "refund", () =>
        act(order, "refunds", { amount: amount.value, reason: reason.value }, done),
      ),
    );
  }
  return parts.length > 0 ? el("span", { class: "after-sale-actions" }, ...parts) : undefined;
}

/** Units of a return not received yet, by product. */
function expected(ret: ConsoleReturn): { productId: string; quantity: number }[] {
  const received = new Map<string, number>();
  for (const line of (ret.receipts ?? []).flatMap((r) => r.items)) {
    received.set(line.productId, (received.get(line.productId) ?? 0) + line.quantity);
  }
  return ret.items
    .map((line) => ({
      productId: line.productId,
      quantity: line.quantity - (received.get(line.productId) ?? 0),
    }))
    .filter((line) => line.quantity > 0);
}

/**
 * One return as staff see it on the journey: what was asked, and while units are still expected,
 * "receive" (every expected unit, back on the shelf unless "damaged" is ticked) and, before any
 * arrived, "reject" with a reason.
 */
export function returnFact(order: ConsoleOrder, ret: ConsoleReturn, done: () => void): Node {
  const asked = ret.items.map((i) => `${i.quantity} × ${i.productId}`).join(", ");
  const parts: Node[] = [
    el(
      "span",
      { class: "return-summary" },
      `${ret.status}: ${asked} (${ret.reason})${ret.rejection ? ` — rejected: ${ret.rejection.reason}` : ""}`,
    ),
  ];
  const rest = expected(ret);
  if (order.status === "SHIPPED" && rest.length > 0 && ret.status !== "REJECTED") {
    const damaged = el("input", {
      type: "checkbox",
      name: "damaged",
      "aria-label": "damaged",
    }) as HTMLInputElement;
    parts.push(
      el(
        "span",
        { class: "after-sale-form", "data-return": ret.returnId },
        el("label", {}, damaged, " damaged"),
        button(
          "receive",
          () =>
            void act(
              order,
              `returns/${ret.returnId}/receipt`,
              { items: rest.map((line) => ({ ...line, restock: !damaged.checked })) },
              done,
            ),
        ),
      ),
    );
  }
  if (ret.status === "REQUESTED") {
    const reason = field(order.orderId, `reject-${ret.returnId}`, "rejection reason", 14);
    parts.push(
      form([reason], "reject", () =>
        act(order, `returns/${ret.returnId}/rejection`, { reason: reason.value }, done),
      ),
    );
  }
  return el("span", { class: "return", "data-return-id": ret.returnId }, ...parts);
}
