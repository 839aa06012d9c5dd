/**
 * A catalogue file applied through the API, as staff would by hand: every row checked first (with
 * the API's own rules, and its line number), then each product created when missing or renamed and
 * repriced when it differs, and (with `setStock`) its stock brought to the file's by a `correction`
 * adjustment of the difference. Each write carries an Idempotency-Key derived from what it asks, so
 * an import that is run again, or retried after a lost answer, changes nothing twice.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import { newProductOf, type NewProduct } from "../../lambdas/catalog/product-requests";

/** One row of the file: where it is (for messages) and what it asks. */
export interface ImportRow {
  readonly where: string;
  readonly product: NewProduct;
  /** The row states a stock (a row without one never changes the stock of an existing product). */
  readonly stockGiven: boolean;
}

export type ImportFile = { readonly rows: readonly ImportRow[] } | { readonly problems: readonly string[] };

interface RawRow {
  readonly where: string;
  readonly fields: Record<string, unknown>;
}

/** CSV with a header row (productId,name,price[,stock][,lowStockThreshold]), parsed by csv-parse. */
function csvRows(content: string): RawRow[] {
  const records = parse(content, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }) as { record: Record<string, string>; info: { lines: number } }[];
  return records.map(({ record, info }) => {
    const fields: Record<string, unknown> = { ...record };
    // Whole numbers as numbers (anything else is left as text for the API's rules to refuse).
    for (const column of ["stock", "lowStockThreshold"]) {
      if (record[column] === "") delete fields[column];
      else if (record[column] !== undefined && /^\d+$/.test(record[column]))
        fields[column] = Number(record[column]);
    }
    return { where: `line ${info.lines}`, fields };
  });
}

/** JSON: the catalogue's own format ({"currency"?, "products": [...]}) or a list of products. */
function jsonRows(content: string): RawRow[] {
  const json = JSON.parse(content) as unknown;
  const list = Array.isArray(json) ? json : (json as { products?: unknown })?.products;
  if (!Array.isArray(list)) throw new Error('a JSON catalogue is a list of products or {"products": [...]}');
  return list.map((fields: unknown, i) => ({
    where: `product ${i + 1}`,
    fields: fields as Record<string, unknown>,
  }));
}

/** Reads and checks every row; nothing is valid unless everything is. */
export function readImportFile(path: string): ImportFile {
  let raw: RawRow[];
  try {
    const content = readFileSync(path, "utf8");
    raw = extname(path).toLowerCase() === ".csv" ? csvRows(content) : jsonRows(content);
  } catch (error) {
    return { problems: [`${path}: ${(error as Error).message}`] };
  }
  if (raw.length === 0) return { problems: [`${path}: no products`] };
  const problems: string[] = [];
  const rows: ImportRow[] = [];
  const seen = new Map<string, string>();
  for (const { where, fields } of raw) {
    const product = newProductOf(fields);
    if ("refused" in product) {
      problems.push(`${where}: ${product.refused}: ${product.message}`);
      continue;
    }
    const first = seen.get(product.productId);
    if (first) problems.push(`${where}: ${product.productId} is also at ${first}`);
    seen.set(product.productId, where);
    rows.push({ where, product, stockGiven: fields.stock !== undefined });
  }
  return problems.length > 0 ? { problems } : { rows };
}

export interface ImportSummary {
  readonly created: string[];
  readonly updated: string[];
  /** Products whose stock was corrected to the file's (setStock). */
  readonly adjusted: string[];
  readonly unchanged: string[];
  readonly failed: string[];
}

export interface ImportOptions {
  /** Bring each existing product's stock to the file's with a `correction` adjustment. */
  readonly setStock?: boolean;
  /** Said in each adjustment's note (the file's name). */
  readonly source?: string;
}

interface Reply {
  readonly status: number;
  readonly replayed: boolean;
  readonly body: Record<string, unknown>;
}

/** The key of one write: the same write asked again (a rerun, a retry) is answered, not applied again. */
const keyOf = (...parts: unknown[]) =>
  `import-${createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 40)}`;

/** The API as the import calls it: each answer's status, whether it was replayed, and its JSON. */
function apiClient(api: { readonly url: string; readonly token: string }) {
  return async (method: string, path: string, body?: unknown, key?: string): Promise<Reply> => {
    const answer = await fetch(`${api.url.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        Authorization: api.token,
        "Content-Type": "application/json",
        ...(key ? { "Idempotency-Key": key } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { error: { code: "NOT_JSON", message: text.slice(0, 200) } };
    }
    return {
      status: answer.status,
      replayed: answer.headers.get("Idempotent-Replayed") === "true",
      body: json,
    };
  };
}

type Call = ReturnType<typeof apiClient>;
type Outcome = keyof ImportSummary;

/** A write the API refused: the row's outcome, and the line that says why. */
function refusedBy(row: ImportRow, reply: Reply, progress: (line: string) => void): Outcome {
  const error = reply.body.error as { code?: string; message?: string } | undefined;
  progress(
    `  failed    ${row.product.productId} (${row.where}): ${reply.status} ${error?.code ?? ""} ${error?.message ?? ""}`,
  );
  return "failed";
}

/**
 * One row applied: its name and price settled (created, renamed or repriced), then with setStock its
 * stock brought to the file's. Its outcome is the last change it made (unchanged when none).
 */
async function applyRow(
  call: Call,
  row: ImportRow,
  options: ImportOptions,
  progress: (line: string) => void,
): Promise<Outcome> {
  const { productId, name, priceMinor, stock, lowStockThreshold } = row.product;
  const price = (priceMinor / 100).toFixed(2);
  let outcome: Outcome = "unchanged";
  /** The product's stock as the API answered it once its name and price are settled. */
  let current: number;
  const patch = async (): Promise<Reply> => {
    const patched = await call(
      "PATCH",
      `/products/${productId}`,
      { name, price },
      keyOf("update", productId, name, price),
    );
    if (patched.status === 200 && !patched.replayed) {
      outcome = "updated";
      progress(`  updated   ${productId}: ${name}, ${price}`);
    }
    return patched;
  };
  const found = await call("GET", `/products/${productId}`);
  if (found.status === 200) {
    const same = found.body.name === name && Math.round(Number(found.body.price) * 100) === priceMinor;
    const patched = same ? found : await patch();
    if (patched.status !== 200) return refusedBy(row, patched, progress);
    current = Number(same ? found.body.stock : (patched.body.product as { stock?: unknown }).stock);
  } else if (found.status !== 404) {
    return refusedBy(row, found, progress);
  } else {
    const created = await call(
      "POST",
      "/products",
      { productId, name, price, stock, lowStockThreshold },
      keyOf("create", productId, name, price, stock, lowStockThreshold),
    );
    if (created.status === 201 && !created.replayed) {
      progress(`  created   ${productId}: ${name}, ${price}, stock ${stock}`);
      return "created";
    }
    // Created by an earlier run, or it exists off sale (the public catalogue does not show it).
    const exists =
      created.status === 409 && (created.body.error as { code?: string })?.code === "PRODUCT_EXISTS";
    if (created.status !== 201 && !exists) return refusedBy(row, created, progress);
    const patched = await patch();
    if (patched.status !== 200) return refusedBy(row, patched, progress);
    current = Number((patched.body.product as { stock?: unknown }).stock);
  }
  if (!options.setStock || !row.stockGiven || current === stock) return outcome;
  const delta = stock - current;
  const note = `Catalogue import${options.source ? ` of ${options.source}` : ""}`;
  const adjusted = await call(
    "POST",
    `/products/${productId}/stock-adjustments`,
    { delta, reason: "correction", note },
    keyOf("adjust", productId, current, stock),
  );
  if (adjusted.status !== 201) return refusedBy(row, adjusted, progress);
  progress(`  adjusted  ${productId}: stock ${current} → ${stock} (${delta > 0 ? "+" : ""}${delta})`);
  return "adjusted";
}

export async function applyImport(
  rows: readonly ImportRow[],
  api: { readonly url: string; readonly token: string },
  progress: (line: string) => void,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const call = apiClient(api);
  const summary: ImportSummary = { created: [], updated: [], adjusted: [], unchanged: [], failed: [] };
  for (const row of rows) summary[await applyRow(call, row, options, progress)].push(row.product.productId);
  return summary;
}
