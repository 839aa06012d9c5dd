/** One order's journey: its facts, the workflow graph with the path taken, the steps and the timeline. */
import {
  COMPLETE_PAYMENT_PATH,
  isPendingPayment,
  SIMULATED_OUTCOMES,
  type ConsoleOrder,
  type ExecutionStep,
  type FeedEvent,
  type JourneyAnswer,
  type JourneyExecution,
} from "../console-api";
import { $, el, itemsText, json, messageOf, money, say } from "./dom";
import { afterSaleActions, returnFact } from "./after-sale";
import { renderGraph } from "./graph";
import { state } from "./state";

let journeyTimer: ReturnType<typeof setTimeout> | undefined;
export function scheduleJourney(): void {
  clearTimeout(journeyTimer);
  journeyTimer = setTimeout(() => void showJourney(), 120);
}

export async function showJourney(): Promise<void> {
  const orderId = state.selected;
  if (!orderId) return;
  let journey: JourneyAnswer;
  try {
    journey = await json<JourneyAnswer>(`/_local/journey?orderId=${encodeURIComponent(orderId)}`);
  } catch (error) {
    say(messageOf(error));
    return;
  }
  if (orderId !== state.selected) return;
  const { order, executions, timeline } = journey;
  const execution = executions.at(-1);
  const steps = execution?.steps ?? [];
  $("#journey-title").textContent = `${order.orderId} · ${order.status}`;
  $("#journey-panel").dataset.orderId = order.orderId;
  $("#journey-panel").dataset.status = order.status;
  renderSummary(order, execution);
  renderGraph(steps);
  renderSteps(steps);
  renderTimeline(timeline);
}

function renderSummary(order: ConsoleOrder, execution: JourneyExecution | undefined): void {
  const payment = order.payment
    ? `${order.payment.status} (${order.payment.chargeId}${order.payment.refundId ? `, refund ${order.payment.refundId}` : ""})`
    : "no charge";
  const facts: [string, Node | string][] = [
    ["Status", el("span", { class: `status ${order.status}` }, order.status)],
    ["Customer", order.customer],
    ["Items", itemsText(order.items)],
    ["Total", money(order.total, order.currency)],
    ["Payment", payment],
    ["Stock", order.inventoryReserved ? "reserved" : "not reserved"],
    [
      "E-mail",
      Object.entries(order.emails)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ") || "none yet",
    ],
    [
      "Execution",
      execution ? `${execution.status}${execution.error ? ` (${execution.error})` : ""}` : "not started",
    ],
  ];
  if (order.failureReason) facts.push(["Failure", `${order.failureCode}: ${order.failureReason}`]);
  for (const refund of order.refunds ?? []) {
    facts.push([
      "Refund",
      `${money(refund.amount, order.currency)}: ${refund.reason} (${refund.id}, by ${refund.by})`,
    ]);
  }
  if (order.cancellation) {
    facts.push([
      "Cancelled",
      `${order.cancellation.at} by ${order.cancellation.by}: ${order.cancellation.reason}`,
    ]);
  }
  if (order.shipment) {
    facts.push([
      "Shipped",
      `${order.shipment.at} with ${order.shipment.carrier} (${order.shipment.trackingNumber})`,
    ]);
  }
  if (order.dispute) {
    const { status, reason, amount, evidenceDueBy } = order.dispute;
    facts.push([
      "Dispute",
      `${status}: ${money(amount, order.currency)} (${reason})${evidenceDueBy ? `, evidence due by ${evidenceDueBy}` : ""}`,
    ]);
  }
  for (const ret of order.returns ?? []) facts.push(["Return", returnFact(order, ret, scheduleJourney)]);
  const action = paymentActions(order);
  if (action) facts.push(["Waiting for", action]);
  const staff = afterSaleActions(order, scheduleJourney);
  if (staff) facts.push(["Staff", staff]);
  $("#journey-summary").replaceChildren(
    el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
  );
}

/**
 * A simulated payment waiting for its customer (3-D Secure) or for settlement: the buttons play the
 * customer's browser and the provider's event (POST /_local/payments/complete). Stripe's events come
 * from Stripe (`stripe listen`), so a Stripe payment only says that it waits.
 */
function paymentActions(order: ConsoleOrder): Node | undefined {
  const payment = order.payment;
  if (!payment || !isPendingPayment(payment.status)) return undefined;
  const what = payment.status === "REQUIRES_ACTION" ? "the customer's 3-D Secure" : "the payment to settle";
  if (payment.provider !== "simulated") return el("span", {}, `${what} (Stripe's event)`);
  const labels: Record<(typeof SIMULATED_OUTCOMES)[number], string> = {
    succeeded: "complete payment",
    failed: "fail payment",
  };
  const buttons = SIMULATED_OUTCOMES.map((outcome) => {
    const button = el("button", { type: "button", "data-outcome": outcome }, labels[outcome]);
    button.addEventListener("click", () => void completePayment(order.orderId, outcome));
    return button;
  });
  return el("span", { class: "payment-actions" }, `${what} `, ...buttons);
}

async function completePayment(orderId: string, outcome: string): Promise<void> {
  try {
    await json(COMPLETE_PAYMENT_PATH, { method: "POST", body: JSON.stringify({ orderId, outcome }) });
    say(`Payment of ${orderId}: ${outcome}.`);
  } catch (error) {
    say(messageOf(error));
  }
  scheduleJourney();
}

const OUTPUT_CHARS = 180;
function outputText(changed: ExecutionStep["changed"]): string {
  if (!changed) return "";
  return Object.entries(changed)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join("; ");
}

function renderSteps(steps: readonly ExecutionStep[]): void {
  $("#steps tbody").replaceChildren(
    ...steps.map((step, i) => {
      const output = outputText(step.changed);
      return el(
        "tr",
        { "data-state": step.state, "data-status": step.status },
        el("td", { class: "num" }, i + 1),
        el("td", {}, step.state),
        el(
          "td",
          {},
          el("span", { class: `result ${step.status}` }, step.status),
          step.error ? ` ${step.error}` : "",
        ),
        el("td", { class: "num" }, step.durationMs === undefined ? "…" : `${step.durationMs} ms`),
        el("td", { class: "num" }, step.retries),
        el(
          "td",
          { class: "mono output", title: output },
          output.length > OUTPUT_CHARS ? `${output.slice(0, OUTPUT_CHARS)}…` : output,
        ),
      );
    }),
  );
}

function timelineText(event: FeedEvent): string {
  const data = event.data as Record<string, never>;
  switch (event.type) {
    case "order":
      return `order is ${(data.order as ConsoleOrder).status}`;
    case "queue":
      return `sent to ${data.queue}`;
    case "notification":
      return `SNS ${data.topic}: ${data.subject}`;
    case "email":
      return `e-mail to ${(data.to as string[]).join(", ")}: ${data.subject}`;
    default:
      return String(data.line ?? "").replace(/^order \S+ /, "");
  }
}

function renderTimeline(timeline: readonly FeedEvent[]): void {
  let lastStatus: string | null = null;
  const entries = timeline.filter((event) => {
    if (event.type === "step") return false;
    if (event.type !== "order") return true;
    const status = (event.data.order as ConsoleOrder).status;
    const repeated = status === lastStatus;
    lastStatus = status;
    return !repeated;
  });
  $("#timeline").replaceChildren(
    ...entries.map((event) =>
      el(
        "li",
        { "data-type": event.type },
        el("time", { datetime: event.at }, event.at.slice(11, 23)),
        " ",
        el("span", { class: `kind ${event.type}` }, event.type),
        " ",
        timelineText(event),
      ),
    ),
  );
}
