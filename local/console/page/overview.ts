/** The system at a glance: queues, executions, alarms, stock, notifications and the live charts. */
import type uPlot from "uplot";
import {
  ORDER_EVENTS_SHOWN,
  OVERVIEW_EVERY_MS,
  type OrderEventsAnswer,
  type OverviewAnswer,
} from "../console-api";
import { $, el, json, messageOf, say } from "./dom";
import { renderProducts } from "./products";

/** uPlot's browser build, loaded by the page before this script. */
const UPlot = (globalThis as unknown as { uPlot: typeof uPlot }).uPlot;

function makeChart(target: HTMLElement, series: uPlot.Series[]): uPlot {
  return new UPlot(
    {
      width: Math.max(240, target.clientWidth - 8),
      height: 130,
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{ size: 28 }, { size: 56 }],
      series: [{}, ...series],
    },
    [[], ...series.map(() => [])],
    target,
  );
}

let charts: { rate: uPlot; latency: uPlot } | undefined;

function renderCharts(c: OverviewAnswer["charts"]): void {
  charts ??= {
    rate: makeChart($("#chart-rate"), [
      { label: "accepted/s", stroke: "#2563eb", width: 1.5 },
      { label: "finished/s", stroke: "#16a34a", width: 1.5 },
    ]),
    latency: makeChart($("#chart-latency"), [
      { label: "p50", stroke: "#7c3aed", width: 1.5, spanGaps: true },
      { label: "p95", stroke: "#dc2626", width: 1.5, spanGaps: true },
    ]),
  };
  charts.rate.setData([c.t, c.accepted, c.finished]);
  charts.latency.setData([c.t, c.p50, c.p95]);
}

function renderOverview(overview: OverviewAnswer): void {
  const set = (id: string, value: number) => ($(id).textContent = String(value));
  set("#queue-visible", overview.queue.visible);
  set("#queue-in-flight", overview.queue.inFlight);
  set("#queue-dead-letters", overview.queue.deadLettered);
  set("#queue-confirmation-dead-letters", overview.queue.confirmationDeadLetters);
  set("#queue-stream-dead-letters", overview.queue.streamDeadLetters);
  set("#executions-running", overview.executions.running);
  set("#executions-succeeded", overview.executions.succeeded);
  set("#executions-failed", overview.executions.failed);
  $("#alarms").replaceChildren(
    ...overview.alarms.map((a) =>
      el(
        "li",
        {
          "data-alarm": a.alarm,
          "data-state": a.state,
          title: `${a.metric} ${a.comparison === "GreaterThanThreshold" ? ">" : "≥"} ${a.threshold}${a.periodSeconds ? ` in ${a.periodSeconds / 60} min` : ""}`,
        },
        el("span", { class: `alarm ${a.state}` }, a.state),
        ` ${a.alarm} (${a.value})`,
      ),
    ),
  );
  renderProducts(overview.stock);
  $("#notifications").replaceChildren(
    ...overview.notifications.map((n) =>
      el(
        "li",
        {},
        el("time", { datetime: n.publishedAt }, n.publishedAt.slice(11, 19)),
        ` ${n.topic}: ${n.subject}`,
      ),
    ),
  );
  renderCharts(overview.charts);
}

/** The newest events on the order event bus (GET /_local/order-events), as subscribers receive them. */
function renderOrderEvents(events: OrderEventsAnswer["events"]): void {
  $("#order-events").replaceChildren(
    ...events.map((e) =>
      el(
        "li",
        { "data-detail-type": e["detail-type"], "data-event-id": String(e.detail.eventId ?? "") },
        el("time", { datetime: e.time }, e.time.slice(11, 19)),
        ` ${e["detail-type"]}: ${String(e.detail.orderId ?? e.detail.productId ?? "")} #${String(e.detail.sequence ?? "")}`,
      ),
    ),
  );
}

export async function pollOverview(): Promise<void> {
  try {
    const [overview, orderEvents] = await Promise.all([
      json<OverviewAnswer>("/_local/overview"),
      json<OrderEventsAnswer>(`/_local/order-events?limit=${ORDER_EVENTS_SHOWN}`),
    ]);
    renderOverview(overview);
    renderOrderEvents(orderEvents.events);
  } catch (error) {
    say(`overview: ${messageOf(error)}`);
  }
  setTimeout(() => void pollOverview(), OVERVIEW_EVERY_MS);
}
