// The local console: reads only the runtime's documented endpoints (README, "Local console").
// Live changes come from the event feed (Server-Sent Events); the overview's aggregate figures are
// read every two seconds. No framework, no build step.

const ORDER_WINDOW = 200; // the most orders the page keeps (GET /_local/orders' largest limit)
const OVERVIEW_EVERY_MS = 2000;
const SVG = "http://www.w3.org/2000/svg";
const FINAL = new Set(["CONFIRMED", "FAILED"]);

const state = {
  orders: new Map(),
  filter: { status: "", customer: "" },
  selected: null,
  graph: null,
  catalog: null,
  lines: [],
  token: null,
  lastEventId: 0,
  stream: null,
};

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** A JSON request; an error answer becomes an Error with the API's message. */
async function json(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

function say(message) {
  $("#page-message").textContent = message;
}

const money = (amount, currency) =>
  amount === null || amount === undefined ? "–" : `${amount.toFixed(2)} ${currency ?? ""}`;

function age(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

const itemsText = (items) => items.map((i) => `${i.quantity}× ${i.name ?? i.productId}`).join(", ");

// ---- Orders, live ----

function matches(order) {
  const { status, customer } = state.filter;
  return (
    (!status || order.status === status) &&
    (!customer || order.customer.toLowerCase().includes(customer.toLowerCase()))
  );
}

function upsert(order) {
  const known = state.orders.get(order.orderId);
  // Images arrive in the stream's order; a replayed older one never reopens a finished order.
  if (known && FINAL.has(known.status) && !FINAL.has(order.status)) return;
  if (!matches(order)) {
    state.orders.delete(order.orderId);
    return;
  }
  state.orders.set(order.orderId, order);
  if (state.orders.size > ORDER_WINDOW) {
    const oldest = [...state.orders.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    state.orders.delete(oldest.orderId);
  }
}

function renderOrders() {
  const body = $("#orders tbody");
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
  body.replaceChildren(...rows);
}

async function loadOrders() {
  const query = new URLSearchParams({ limit: String(ORDER_WINDOW) });
  if (state.filter.status) query.set("status", state.filter.status);
  if (state.filter.customer) query.set("customer", state.filter.customer);
  const { orders, lastEventId } = await json(`/_local/orders?${query}`);
  state.orders.clear();
  for (const order of orders) upsert(order);
  renderOrders();
  return lastEventId;
}

// ---- The event feed ----

function connect(afterId) {
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
  stream.addEventListener("order", (message) => {
    const event = JSON.parse(message.data);
    upsert(event.data.order);
    renderOrders();
    if (event.orderId === state.selected) scheduleJourney();
  });
  for (const type of ["step", "queue", "log", "notification", "email"]) {
    stream.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      if (event.orderId && event.orderId === state.selected) scheduleJourney();
    });
  }
  // Events were missed (the window moved on, or the runtime restarted): read the list again.
  stream.addEventListener("reset", () => void loadOrders().then(renderOrders, (e) => say(e.message)));
}

// ---- One order's journey ----

let journeyTimer = null;
function scheduleJourney() {
  clearTimeout(journeyTimer);
  journeyTimer = setTimeout(() => void showJourney(), 120);
}

function select(orderId) {
  state.selected = orderId;
  renderOrders();
  void showJourney();
}

async function showJourney() {
  const orderId = state.selected;
  if (!orderId) return;
  let journey;
  try {
    journey = await json(`/_local/journey?orderId=${encodeURIComponent(orderId)}`);
  } catch (error) {
    say(error.message);
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

function renderSummary(order, execution) {
  const payment = order.payment
    ? `${order.payment.status} (${order.payment.chargeId}${order.payment.refundId ? `, refund ${order.payment.refundId}` : ""})`
    : "no charge";
  const facts = [
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
  $("#journey-summary").replaceChildren(
    el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
  );
}

/** The definition's graph (laid out by the runtime with dagre) with the path this execution took. */
function renderGraph(steps) {
  const graph = state.graph;
  const canvas = svg("svg", {
    viewBox: `0 0 ${graph.width} ${graph.height}`,
    role: "img",
    style: `max-width: ${graph.width}px`,
  });
  const defs = svg("defs");
  for (const kind of ["plain", "taken"]) {
    const marker = svg("marker", {
      id: `arrow-${kind}`,
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: "auto-start-reverse",
    });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrow ${kind}` }));
    defs.append(marker);
  }
  canvas.append(defs);
  const taken = new Set(steps.slice(1).map((step, i) => `${steps[i].state}→${step.state}`));
  for (const edge of graph.edges) {
    const wasTaken = taken.has(`${edge.from}→${edge.to}`);
    const path = svg("path", {
      d: edge.points.map((p, i) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" "),
      class: `edge ${edge.kind}${wasTaken ? " taken" : ""}`,
      "marker-end": `url(#arrow-${wasTaken ? "taken" : "plain"})`,
      "data-from": edge.from,
      "data-to": edge.to,
    });
    const title = svg("title");
    title.textContent = `${edge.from} → ${edge.to}${edge.label ? ` (${edge.kind}: ${edge.label})` : ` (${edge.kind})`}`;
    path.append(title);
    canvas.append(path);
  }
  const firstEntry = new Map();
  steps.forEach((step, i) => {
    if (!firstEntry.has(step.state)) firstEntry.set(step.state, { order: i + 1, step });
  });
  for (const node of graph.nodes) {
    const entry = firstEntry.get(node.id);
    const last = steps.findLast((s) => s.state === node.id);
    const group = svg("g", {
      class: `state ${node.type}${entry ? ` visited ${last.status}` : ""}`,
      "data-state": node.id,
      "data-step": entry ? entry.order : "",
      transform: `translate(${node.x - node.width / 2} ${node.y - node.height / 2})`,
    });
    group.append(
      svg("rect", { width: node.width, height: node.height, rx: node.type === "Choice" ? 16 : 6 }),
    );
    const label = svg("text", { x: node.width / 2, y: node.height / 2 + 4, "text-anchor": "middle" });
    label.textContent = node.id;
    group.append(label);
    if (entry) {
      group.append(svg("circle", { cx: 0, cy: 0, r: 9, class: "badge" }));
      const number = svg("text", { x: 0, y: 4, "text-anchor": "middle", class: "badge-text" });
      number.textContent = String(entry.order);
      group.append(number);
    }
    const retries = steps.filter((s) => s.state === node.id).reduce((n, s) => n + s.retries, 0);
    if (retries > 0) {
      const retry = svg("text", { x: node.width - 4, y: 12, "text-anchor": "end", class: "retry-count" });
      retry.textContent = `↻${retries}`;
      group.append(retry);
    }
    const title = svg("title");
    title.textContent = `${node.id} (${node.type})${node.retries ? " · retries transient errors" : ""}${node.catches ? " · catches errors" : ""}`;
    group.append(title);
    canvas.append(group);
  }
  $("#graph").replaceChildren(canvas);
}

const OUTPUT_CHARS = 180;
function outputText(changed) {
  if (!changed) return "";
  return Object.entries(changed)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join("; ");
}

function renderSteps(steps) {
  $("#steps tbody").replaceChildren(
    ...steps.map((step, i) =>
      el(
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
          { class: "mono output", title: outputText(step.changed) },
          outputText(step.changed).length > OUTPUT_CHARS
            ? `${outputText(step.changed).slice(0, OUTPUT_CHARS)}…`
            : outputText(step.changed),
        ),
      ),
    ),
  );
}

function timelineText(event) {
  const { data } = event;
  switch (event.type) {
    case "order":
      return `order is ${data.order.status}`;
    case "queue":
      return `sent to ${data.queue}`;
    case "notification":
      return `SNS ${data.topic}: ${data.subject}`;
    case "email":
      return `e-mail to ${data.to.join(", ")}: ${data.subject}`;
    default:
      return String(data.line ?? "").replace(/^order \S+ /, "");
  }
}

function renderTimeline(timeline) {
  let lastStatus = null;
  const entries = timeline.filter((event) => {
    if (event.type === "step") return false;
    if (event.type !== "order") return true;
    const repeated = event.data.order.status === lastStatus;
    lastStatus = event.data.order.status;
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

// ---- The system at a glance ----

function makeChart(target, series) {
  return new globalThis.uPlot(
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

let charts = null;
function renderOverview(overview) {
  const set = (id, value) => ($(id).textContent = String(value));
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
  $("#stock tbody").replaceChildren(
    ...overview.stock.map((p) =>
      el(
        "tr",
        { "data-product-id": p.productId, class: p.stock < 10 ? "low" : "" },
        el("td", { class: "mono" }, p.productId),
        el("td", {}, p.name),
        el("td", { class: "num stock" }, p.stock),
      ),
    ),
  );
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
  const c = overview.charts;
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

async function pollOverview() {
  try {
    renderOverview(await json("/_local/overview"));
  } catch (error) {
    say(`overview: ${error.message}`);
  }
  setTimeout(() => void pollOverview(), OVERVIEW_EVERY_MS);
}

// ---- Actions ----

function renderLines() {
  $("#order-lines").replaceChildren(
    ...state.lines.map((line, i) => {
      const remove = el("button", { type: "button", class: "link" }, "remove");
      remove.addEventListener("click", () => {
        state.lines.splice(i, 1);
        renderLines();
      });
      const product = state.catalog.products.find((p) => p.productId === line.productId);
      return el("li", {}, `${line.quantity}× ${product?.name ?? line.productId} `, remove);
    }),
  );
}

function currentLine() {
  return { productId: $("#order-product").value, quantity: Number($("#order-quantity").value) };
}

/** With sign-in on, the chosen customer's ID token from the local user pool (kept in memory, never shown). */
async function signedIn(email) {
  if (!state.catalog.signIn) return {};
  if (state.token?.email !== email) {
    const { idToken } = await json("/_local/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
    });
    state.token = { email, idToken };
  }
  return { Authorization: `Bearer ${state.token.idToken}` };
}

async function placeOrder(event) {
  event.preventDefault();
  const button = $("#place-button");
  button.disabled = true;
  const email = $("#order-email").value.trim();
  const items = state.lines.length > 0 ? [...state.lines] : [currentLine()];
  try {
    const auth = await signedIn(email);
    const body = {
      items,
      paymentToken: $("#order-card").value,
      ...(state.catalog.signIn ? {} : { customerEmail: email }),
    };
    const placed = await json("/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID(), ...auth },
      body: JSON.stringify(body),
    });
    $("#place-result").textContent = `Order ${placed.orderId} accepted (${placed.status}).`;
    $("#place-result").dataset.orderId = placed.orderId;
    state.lines = [];
    renderLines();
    select(placed.orderId);
  } catch (error) {
    $("#place-result").textContent = `Refused: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function redrive(queue) {
  try {
    const result = await json(`/_local/redrive?queue=${queue}`, { method: "POST" });
    $("#redrive-result").textContent = `${queue}: ${result.moved} of ${result.waiting} moved back.`;
  } catch (error) {
    $("#redrive-result").textContent = error.message;
  }
}

function setUpForm() {
  const { products, testCards, signIn } = state.catalog;
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
    : "Sign-in is off (--no-auth): the e-mail goes in the order.";
  $("#add-line").addEventListener("click", () => {
    state.lines.push(currentLine());
    renderLines();
  });
  $("#place-order").addEventListener("submit", (event) => void placeOrder(event));
  $("#redrive-orders").addEventListener("click", () => void redrive("orders"));
  $("#redrive-confirmations").addEventListener("click", () => void redrive("confirmations"));
  let filterTimer = null;
  const refilter = () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(async () => {
      state.filter = { status: $("#filter-status").value, customer: $("#filter-customer").value.trim() };
      try {
        await loadOrders();
      } catch (error) {
        say(error.message);
      }
    }, 200);
  };
  $("#filter-status").addEventListener("change", refilter);
  $("#filter-customer").addEventListener("input", refilter);
}

async function start() {
  try {
    const [workflow, catalog] = await Promise.all([json("/_local/workflow"), json("/_local/catalog")]);
    state.graph = workflow.graph;
    state.catalog = catalog;
    setUpForm();
    renderGraph([]);
    connect(await loadOrders());
    void pollOverview();
    setInterval(() => {
      for (const cell of document.querySelectorAll("#orders .age"))
        cell.textContent = age(cell.dataset.created);
    }, 1000);
    document.body.dataset.ready = "true";
  } catch (error) {
    say(`The console could not start: ${error.message}`);
  }
}

void start();
