/** DOM and fetch helpers of the console page. */
const SVG = "http://www.w3.org/2000/svg";

type Attributes = Record<string, string | number | boolean | null | undefined>;

export function $<E extends HTMLElement = HTMLElement>(selector: string): E {
  const found = document.querySelector<E>(selector);
  if (!found) throw new Error(`The page has no ${selector}`);
  return found;
}

export function el(
  tag: string,
  attributes: Attributes = {},
  ...children: (Node | string | number)[]
): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

export function svg(tag: string, attributes: Attributes = {}): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** A JSON request; an error answer becomes an Error with the API's message. */
export async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body as T;
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function say(message: string): void {
  $("#page-message").textContent = message;
}

export const money = (amount: number | null | undefined, currency?: string | null) =>
  amount === null || amount === undefined ? "–" : `${amount.toFixed(2)} ${currency ?? ""}`;

export function age(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

export const itemsText = (items: readonly { quantity: number; name?: string; productId: string }[]) =>
  items.map((i) => `${i.quantity}× ${i.name ?? i.productId}`).join(", ");
