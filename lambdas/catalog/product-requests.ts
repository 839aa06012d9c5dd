/**
 * The rules of a staff change of the catalogue: what a new product and a change of one must say
 * (each refusal with a code of its own), and the request's key and hash, so that a retried request
 * is recognised and a reused key is not.
 */
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { PRODUCT_ID_PATTERN } from "../orders/order-request";
import { hasControlCharacters } from "../platform/http";
import { minorUnitsOf } from "../platform/money";
import type { CatalogueRequest, ProductChanges } from "./ports";
import { ADJUSTMENT_REASONS, type AdjustmentReason, type StockAdjustment } from "./stock";

export const MAX_PRODUCT_NAME_LENGTH = 200;
export const MAX_PRODUCT_ID_LENGTH = 64;

/** The codes a staff change of the catalogue is refused with, one per field. */
export type ProductRefusal =
  | "INVALID_BODY"
  | "UNKNOWN_FIELD"
  | "INVALID_PRODUCT_ID"
  | "INVALID_NAME"
  | "INVALID_PRICE"
  | "INVALID_STOCK"
  | "INVALID_ACTIVE"
  | "INVALID_THRESHOLD"
  | "INVALID_DELTA"
  | "INVALID_REASON"
  | "INVALID_NOTE";

export interface Refused {
  readonly refused: ProductRefusal;
  readonly message: string;
  readonly field?: string;
}

export interface NewProduct {
  readonly productId: string;
  readonly name: string;
  readonly priceMinor: number;
  readonly stock: number;
  readonly lowStockThreshold?: number;
}

export const MAX_THRESHOLD = 1_000_000;
export const MAX_NOTE_LENGTH = 500;
/** No single adjustment moves more units than this (a typo guard, far above any real count). */
export const MAX_ADJUSTMENT = 1_000_000;

const NEW_FIELDS = ["productId", "name", "price", "stock", "lowStockThreshold"] as const;
const CHANGE_FIELDS = ["name", "price", "active", "lowStockThreshold"] as const;
const ADJUSTMENT_FIELDS = ["delta", "reason", "note"] as const;

function unknownField(body: Record<string, unknown>, known: readonly string[]): Refused | undefined {
  const unknown = Object.keys(body).filter((field) => !known.includes(field));
  return unknown.length > 0
    ? {
        refused: "UNKNOWN_FIELD",
        message: `Unknown field: ${unknown.join(", ")}. A product has ${known.join(", ")}.`,
        field: unknown[0],
      }
    : undefined;
}

function nameOf(value: unknown): string | Refused {
  const name = typeof value === "string" ? value.trim() : "";
  if (name.length === 0 || name.length > MAX_PRODUCT_NAME_LENGTH || hasControlCharacters(name)) {
    return {
      refused: "INVALID_NAME",
      message: `name must be 1 to ${MAX_PRODUCT_NAME_LENGTH} characters of text, one line.`,
      field: "name",
    };
  }
  return name;
}

function priceOf(value: unknown): number | Refused {
  const minor = typeof value === "string" || typeof value === "number" ? minorUnitsOf(value) : undefined;
  return (
    minor ?? {
      refused: "INVALID_PRICE",
      message: 'price must be a positive amount with at most two decimals, such as 19.99 or "19.99".',
      field: "price",
    }
  );
}

function thresholdOf(value: unknown): number | Refused {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= MAX_THRESHOLD
    ? value
    : {
        refused: "INVALID_THRESHOLD",
        message: `lowStockThreshold must be a whole number from 0 to ${MAX_THRESHOLD}.`,
        field: "lowStockThreshold",
      };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const productIdSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(MAX_PRODUCT_ID_LENGTH), z.regex(PRODUCT_ID_PATTERN));

export function isProductId(value: unknown): value is string {
  return productIdSchema.safeParse(value).success;
}

/** `POST /products`: `{productId, name, price, stock?, lowStockThreshold?}`. */
export function newProductOf(body: unknown): NewProduct | Refused {
  if (!isObject(body)) return { refused: "INVALID_BODY", message: "Send a JSON object." };
  const unknown = unknownField(body, NEW_FIELDS);
  if (unknown) return unknown;
  if (!isProductId(body.productId)) {
    return {
      refused: "INVALID_PRODUCT_ID",
      message: `productId must be 1 to ${MAX_PRODUCT_ID_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit.`,
      field: "productId",
    };
  }
  const name = nameOf(body.name);
  if (typeof name !== "string") return name;
  const priceMinor = priceOf(body.price);
  if (typeof priceMinor !== "number") return priceMinor;
  const stock = body.stock ?? 0;
  if (typeof stock !== "number" || !Number.isSafeInteger(stock) || stock < 0) {
    return { refused: "INVALID_STOCK", message: "stock must be a whole number, 0 or more.", field: "stock" };
  }
  if (body.lowStockThreshold === undefined) return { productId: body.productId, name, priceMinor, stock };
  const lowStockThreshold = thresholdOf(body.lowStockThreshold);
  if (typeof lowStockThreshold !== "number") return lowStockThreshold;
  return { productId: body.productId, name, priceMinor, stock, lowStockThreshold };
}

/** `PATCH /products/{productId}`: any of `{name, price, active, lowStockThreshold}`, at least one. */
export function productChangesOf(body: unknown): ProductChanges | Refused {
  if (!isObject(body)) return { refused: "INVALID_BODY", message: "Send a JSON object." };
  const unknown = unknownField(body, CHANGE_FIELDS);
  if (unknown) return unknown;
  if (Object.keys(body).length === 0) {
    return { refused: "INVALID_BODY", message: `Send at least one of ${CHANGE_FIELDS.join(", ")}.` };
  }
  const changes: { name?: string; priceMinor?: number; active?: boolean; lowStockThreshold?: number } = {};
  if ("name" in body) {
    const name = nameOf(body.name);
    if (typeof name !== "string") return name;
    changes.name = name;
  }
  if ("price" in body) {
    const priceMinor = priceOf(body.price);
    if (typeof priceMinor !== "number") return priceMinor;
    changes.priceMinor = priceMinor;
  }
  if ("active" in body) {
    if (typeof body.active !== "boolean") {
      return { refused: "INVALID_ACTIVE", message: "active must be true or false.", field: "active" };
    }
    changes.active = body.active;
  }
  if ("lowStockThreshold" in body) {
    const threshold = thresholdOf(body.lowStockThreshold);
    if (typeof threshold !== "number") return threshold;
    changes.lowStockThreshold = threshold;
  }
  return changes;
}

/** `POST /products/{productId}/stock-adjustments`: `{delta, reason, note?}`. */
export function stockAdjustmentOf(body: unknown): StockAdjustment | Refused {
  if (!isObject(body)) return { refused: "INVALID_BODY", message: "Send a JSON object." };
  const unknown = unknownField(body, ADJUSTMENT_FIELDS);
  if (unknown) return unknown;
  const delta = body.delta;
  if (
    typeof delta !== "number" ||
    !Number.isSafeInteger(delta) ||
    delta === 0 ||
    Math.abs(delta) > MAX_ADJUSTMENT
  ) {
    return {
      refused: "INVALID_DELTA",
      message: `delta must be a whole number of units other than 0, from -${MAX_ADJUSTMENT} to ${MAX_ADJUSTMENT}: positive adds stock, negative takes it away.`,
      field: "delta",
    };
  }
  const reason = body.reason;
  if (typeof reason !== "string" || !(ADJUSTMENT_REASONS as readonly string[]).includes(reason)) {
    return {
      refused: "INVALID_REASON",
      message: `reason must be one of ${ADJUSTMENT_REASONS.join(", ")}.`,
      field: "reason",
    };
  }
  if (body.note === undefined) return { delta, reason: reason as AdjustmentReason };
  const note = typeof body.note === "string" ? body.note.trim() : "";
  if (note.length === 0 || note.length > MAX_NOTE_LENGTH || hasControlCharacters(note)) {
    return {
      refused: "INVALID_NOTE",
      message: `note must be 1 to ${MAX_NOTE_LENGTH} characters of text, one line.`,
      field: "note",
    };
  }
  return { delta, reason: reason as AdjustmentReason, note };
}

/**
 * The request's record: the client's key names one change of one product (as a refund key names
 * one refund of one order), and the hash of what it asked tells a retry from a reused key.
 */
export function catalogueRequestOf(
  operation: "create" | "update" | "adjust",
  productId: string,
  key: string,
  asked: NewProduct | ProductChanges | StockAdjustment,
): CatalogueRequest {
  const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);
  const fields = Object.entries(asked).sort(([a], [b]) => a.localeCompare(b));
  return {
    keyHash: `product#${hash(`${productId}\n${key}`)}`,
    requestHash: hash(JSON.stringify([operation, productId, fields])),
  };
}
