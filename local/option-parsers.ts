/** The parsers of the CLI's option table (options.ts): each names where a bad value came from. */
import { DETAIL_TYPES, type DetailType } from "../lambdas/events/order-events";
import type { EventSubscription } from "./eventbridge/order-event-bus";
import { readFileSync } from "node:fs";
import { catalogueOf, type Catalog } from "../lambdas/catalog/catalogue-file";

/** A bad option or environment value: the message names it, and the CLI exits 2. */
export class UsageError extends Error {}

/** A parser of whole numbers from `min` to `max`: a UsageError naming `source` otherwise. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string, source: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${source} must be a whole number >= ${min} (got "${text}")`);
    if (n > max) throw new UsageError(`${source} must be at most ${max}`);
    return n;
  };
}

export function oneOf<T extends string>(
  values: readonly T[],
  normalise: (text: string) => string = (t) => t,
) {
  return (text: string, source: string): T => {
    const value = normalise(text);
    if (!values.includes(value as T))
      throw new UsageError(`${source} must be one of ${values.join(", ")} (got "${text}")`);
    return value as T;
  };
}

/** A text option, taken as it is. */
export const text = (value: string) => value;

/** A catalogue file (JSON, as the bundled catalog.json): read and checked before anything starts. */
export function catalogueFile(path: string, source: string): Catalog {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${source}: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  const catalogue = catalogueOf(json);
  if ("problems" in catalogue) {
    throw new UsageError(
      `${source}: ${path} is not a catalogue: ${catalogue.problems.slice(0, 5).join("; ")}`,
    );
  }
  return catalogue;
}

/** `<url>[,<detail-type>…]`: where a local subscription delivers, and which detail-types (all when none). */
export function eventSubscription(value: string, source: string): EventSubscription {
  const [url = "", ...types] = value.split(",").map((part) => part.trim());
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(`${source} needs an http(s) URL first, then detail-types (got "${value}")`);
  }
  const unknown = types.filter((t) => !(DETAIL_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new UsageError(`${source}: unknown detail-type "${unknown[0]}"; one of ${DETAIL_TYPES.join(", ")}`);
  }
  return { url, detailTypes: types as DetailType[] };
}
