/** What the page can do: place a test order (signed in as a local customer when sign-in is on), redrive a dead-letter queue. */
import { REDRIVE_QUEUES, type RedriveAnswer } from "../console-api";
import { $, el, json, messageOf } from "./dom";
import { loadOrders, select } from "./orders";
import { state, type OrderLineInput } from "./state";

const input = (selector: string) => $<HTMLInputElement>(selector);

function renderLines(): void {
  $("#order-lines").replaceChildren(
    ...state.lines.map((line, i) => {
      const remove = el("button", { type: "button", class: "link" }, "remove");
      remove.addEventListener("click", () => {
        state.lines.splice(i, 1);
        renderLines();
      });
      const product = state.catalog?.products.find((p) => p.productId === line.productId);
      return el("li", {}, `${line.quantity}× ${product?.name ?? line.productId} `, remove);
    }),
  );
}

function currentLine(): OrderLineInput {
  return { productId: input("#order-product").value, quantity: Number(input("#order-quantity").value) };
}

/** With sign-in on, the chosen customer's ID token from the local user pool (kept in memory, never shown). */
async function signedIn(email: string): Promise<Record<string, string>> {
  if (!state.catalog?.signIn) return {};
  if (state.token?.email !== email) {
    const { idToken } = await json<{ idToken: string }>("/_local/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
    });
    state.token = { email, idToken };
  }
  return { Authorization: `Bearer ${state.token.idToken}` };
}

async function placeOrder(event: Event): Promise<void> {
  event.preventDefault();
  const button = $<HTMLButtonElement>("#place-button");
  button.disabled = true;
  const email = input("#order-email").value.trim();
  const items = state.lines.length > 0 ? [...state.lines] : [currentLine()];
  const result = $("#place-result");
  try {
    const auth = await signedIn(email);
    const body = {
      items,
      paymentToken: input("#order-card").value,
      ...(state.catalog?.signIn ? {} : { customerEmail: email }),
    };
    const placed = await json<{ orderId: string; status: string }>("/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID(), ...auth },
      body: JSON.stringify(body),
    });
    result.textContent = `Order ${placed.orderId} accepted (${placed.status}).`;
    result.dataset.orderId = placed.orderId;
    state.lines = [];
    renderLines();
    select(placed.orderId);
  } catch (error) {
    result.textContent = `Refused: ${messageOf(error)}`;
  } finally {
    button.disabled = false;
  }
}

async function redrive(queue: (typeof REDRIVE_QUEUES)[number]): Promise<void> {
  try {
    const result = await json<RedriveAnswer>(`/_local/redrive?queue=${queue}`, { method: "POST" });
    $("#redrive-result").textContent = `${queue}: ${result.moved} of ${result.waiting} moved back.`;
  } catch (error) {
    $("#redrive-result").textContent = messageOf(error);
  }
}

function watchFilters(): void {
  let filterTimer: ReturnType<typeof setTimeout> | undefined;
  const refilter = () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      state.filter = {
        status: input("#filter-status").value,
        customer: input("#filter-customer").value.trim(),
      };
      loadOrders().catch((error: unknown) => ($("#page-message").textContent = messageOf(error)));
    }, 200);
  };
  $("#filter-status").addEventListener("change", refilter);
  $("#filter-customer").addEventListener("input", refilter);
}

export function setUpForm(): void {
  const { products, testCards, signIn } = state.catalog!;
  $("#order-product").replaceChildren(
    ...products.map((p) =>
      el("option", { value: p.productId }, `${p.name} · ${p.price.toFixed(2)} ${p.currency}`),
    ),
  );
  $("#order-card").replaceChildren(
    ...testCards.map((c) => el("option", { value: c.token }, `${c.token} — ${c.outcome}`)),
  );
  $("#sign-in-note").textContent = signIn
    ? "Sign-in is on: the order is placed as this local customer (a token from POST /_local/token)."
    : "Sign-in is off: the e-mail goes in the order.";
  $("#add-line").addEventListener("click", () => {
    state.lines.push(currentLine());
    renderLines();
  });
  $("#place-order").addEventListener("submit", (event) => void placeOrder(event));
  for (const queue of REDRIVE_QUEUES)
    $(`#redrive-${queue}`).addEventListener("click", () => void redrive(queue));
  watchFilters();
}
