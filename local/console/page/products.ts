/**
 * Products and their stock: every product with its stock, its low-stock threshold and a badge when
 * it is at or below it; a selected product's movements (GET /products/{id}/stock-movements) and a
 * form that adjusts its stock (POST …/stock-adjustments), both through the API as a local staff
 * member, so the routes' rules apply as deployed.
 */
import type { ConsoleProduct } from "../console-api";
import { $, el, json, messageOf } from "./dom";
import { staffAuth } from "./staff";

interface Movement {
  readonly seq: number;
  readonly kind: string;
  readonly delta: number;
  readonly stockAfter: number;
  readonly at: string;
  readonly reason?: string;
  readonly note?: string;
  readonly by?: string;
  readonly orderId?: string;
  readonly lowStock?: boolean;
}

/** The product whose movements are shown, and its stock when they were read. */
let selected: { readonly productId: string; stock?: number } | undefined;

export function renderProducts(products: readonly ConsoleProduct[]): void {
  $("#stock tbody").replaceChildren(
    ...products.map((p) => {
      const row = el(
        "tr",
        {
          "data-product-id": p.productId,
          "data-low-stock": p.lowStock,
          class: [p.lowStock ? "low" : "", selected?.productId === p.productId ? "selected" : ""].join(" "),
        },
        el("td", { class: "mono" }, p.productId),
        el("td", {}, p.name),
        el("td", {}, p.active ? "yes" : "off sale"),
        el("td", { class: "num stock" }, p.stock),
        el("td", { class: "num threshold" }, p.lowStockThreshold),
        el("td", {}, p.lowStock ? el("span", { class: "badge low-stock" }, "low stock") : ""),
      );
      row.addEventListener("click", () => void select(p.productId));
      return row;
    }),
  );
  // The shown product's stock moved (an order, another adjustment): read its movements again.
  const shown = products.find((p) => p.productId === selected?.productId);
  if (shown && selected && selected.stock !== shown.stock) void loadMovements(shown.productId);
}

async function select(productId: string): Promise<void> {
  selected = { productId };
  for (const row of document.querySelectorAll("#stock tbody tr")) {
    row.classList.toggle("selected", row.getAttribute("data-product-id") === productId);
  }
  $("#movements-title").textContent = productId;
  $("#adjust-stock").hidden = false;
  $("#adjust-result").textContent = "";
  await loadMovements(productId);
}

function movementRow(m: Movement): HTMLElement {
  const cause = m.kind === "adjustment" ? `adjustment: ${m.reason}${m.note ? ` (${m.note})` : ""}` : m.kind;
  return el(
    "tr",
    { "data-seq": m.seq, "data-kind": m.kind },
    el("td", { class: "num" }, m.seq),
    el("td", {}, el("time", { datetime: m.at }, m.at.slice(11, 19))),
    el(
      "td",
      {},
      cause,
      m.lowStock ? " " : "",
      m.lowStock ? el("span", { class: "badge low-stock" }, "low") : "",
    ),
    el("td", { class: "num delta" }, m.delta > 0 ? `+${m.delta}` : m.delta),
    el("td", { class: "num stock-after" }, m.stockAfter),
    el("td", { class: "mono" }, m.orderId ?? m.by ?? ""),
  );
}

async function loadMovements(productId: string): Promise<void> {
  try {
    const page = await json<{ movements: Movement[] }>(
      `/products/${encodeURIComponent(productId)}/stock-movements?limit=50`,
      { headers: await staffAuth() },
    );
    if (selected?.productId !== productId) return;
    selected.stock = page.movements[0]?.stockAfter;
    $("#movements tbody").replaceChildren(...page.movements.map(movementRow));
  } catch (error) {
    $("#adjust-result").textContent = messageOf(error);
  }
}

async function adjust(): Promise<void> {
  if (!selected) return;
  const productId = selected.productId;
  const note = $<HTMLInputElement>("#adjust-note").value.trim();
  const body = {
    delta: Number($<HTMLInputElement>("#adjust-delta").value),
    reason: $<HTMLSelectElement>("#adjust-reason").value,
    ...(note ? { note } : {}),
  };
  try {
    const answer = await json<{ adjustment: Movement }>(
      `/products/${encodeURIComponent(productId)}/stock-adjustments`,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Idempotency-Key": crypto.randomUUID(),
          ...(await staffAuth()),
        },
        body: JSON.stringify(body),
      },
    );
    $("#adjust-result").textContent = `Stock of ${productId} is now ${answer.adjustment.stockAfter}.`;
    $<HTMLInputElement>("#adjust-delta").value = "";
    $<HTMLInputElement>("#adjust-note").value = "";
    await loadMovements(productId);
  } catch (error) {
    $("#adjust-result").textContent = messageOf(error);
  }
}

export function setUpProducts(): void {
  $("#adjust-stock").addEventListener("submit", (event) => {
    event.preventDefault();
    void adjust();
  });
}
