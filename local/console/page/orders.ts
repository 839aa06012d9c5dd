/** The live orders list: read once, then kept current by the event feed. */
import {
  isInFlight,
  MAX_ORDER_LIMIT,
  type ConsoleOrder,
  type FeedEvent,
  type OrdersAnswer,
} from "../console-api";
import { $, age, el, itemsText, json, messageOf, money, say } from "./dom";
import { scheduleJourney, showJourney } from "./journey";
import { state } from "./state";

function matches(order: ConsoleOrder): boolean {
  const { status, customer } = state.filter;
  return (
    (!status || order.status === status) &&
    (!customer || order.customer.toLowerCase().includes(customer.toLowerCase()))
  );
}

function upsert(order: ConsoleOrder): void {
  const known = state.orders.get(order.orderId);
  // Images arrive in the stream's order; a replayed older one never reopens an order its workflow ended.
  if (known && !isInFlight(known.status) && isInFlight(order.status)) return;
  if (!matches(order)) {
    state.orders.delete(order.orderId);
    return;
  }
  state.orders.set(order.orderId, order);
  if (state.orders.size > MAX_ORDER_LIMIT) {
    const oldest = [...state.orders.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    state.orders.delete(oldest.orderId);
  }
}

export function select(orderId: string): void {
  state.selected = orderId;
  renderOrders();
  void showJourney();
}

export function renderOrders(): void {
  const rows = [...state.orders.values()]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((order) => {
      const row = el(
        "tr",
        {
          "data-order-id": order.orderId,
          "data-status": order.status,
          class: order.orderId === state.selected ? "selected" : "",
        },
        el("td", {}, el("span", { class: `status ${order.status}` }, order.status)),
        el("td", { class: "mono", title: order.orderId }, order.orderId.slice(0, 8)),
        el("td", {}, order.customer),
        el("td", {}, itemsText(order.items)),
        el("td", { class: "num" }, money(order.total, order.currency)),
        el("td", { class: "age", "data-created": order.createdAt }, age(order.createdAt)),
      );
      row.addEventListener("click", () => select(order.orderId));
      return row;
    });
  $("#orders tbody").replaceChildren(...rows);
}

/** Reads the list (the page keeps the largest window); answers the feed id to resume from. */
export async function loadOrders(): Promise<number> {
  const query = new URLSearchParams({ limit: String(MAX_ORDER_LIMIT) });
  if (state.filter.status) query.set("status", state.filter.status);
  if (state.filter.customer) query.set("customer", state.filter.customer);
  const { orders, lastEventId } = await json<OrdersAnswer>(`/_local/orders?${query}`);
  state.orders.clear();
  for (const order of orders) upsert(order);
  renderOrders();
  return lastEventId;
}

/** The event feed from `afterId` on: order images update the list, any event of the selected order its journey. */
export function connect(afterId: number): void {
  state.stream?.close();
  const stream = new EventSource(`/_local/events?after=${afterId}`);
  state.stream = stream;
  const status = $("#stream-status");
  stream.onopen = () => {
    status.textContent = "live";
    status.dataset.state = "live";
  };
  stream.onerror = () => {
    status.textContent = "reconnecting…";
    status.dataset.state = "reconnecting";
  };
  const eventOf = (message: Event) => JSON.parse((message as MessageEvent<string>).data) as FeedEvent;
  stream.addEventListener("order", (message) => {
    const event = eventOf(message);
    upsert(event.data.order as ConsoleOrder);
    renderOrders();
    if (event.orderId === state.selected) scheduleJourney();
  });
  for (const type of ["step", "queue", "log", "notification", "email"]) {
    stream.addEventListener(type, (message) => {
      const event = eventOf(message);
      if (event.orderId && event.orderId === state.selected) scheduleJourney();
    });
  }
  // Events were missed (the window moved on, or the runtime restarted): read the list again.
  stream.addEventListener("reset", () => void loadOrders().catch((e: unknown) => say(messageOf(e))));
}
