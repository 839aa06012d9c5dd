/**
 * A catalogue file applied through the API, as staff would by hand: every row checked first (with
 * the API's own rules, and its line number), then each product created when missing or renamed and
 * repriced when it differs. Each write carries an Idempotency-Key derived from what it asks, so an
 * import that is run again, or retried after a lost answer, changes nothing twice.
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
}

export type ImportFile = { readonly rows: readonly ImportRow[] } | { readonly problems: readonly string[] };

interface RawRow {
  readonly where: string;
  readonly fields: Record<string, unknown>;
}

/** CSV with a header row (productId,name,price[,stock]), parsed by csv-parse; stock as a number. */
function csvRows(content: string): RawRow[] {
  const records = parse(content, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }) as { record: Record<string, string>; info: { lines: number } }[];
  return records.map(({ record, info }) => {
    const fields: Record<string, unknown> = { ...record };
    if (record.stock === "") delete fields.stock;
    else if (record.stock !== undefined && /^\d+$/.test(record.stock)) fields.stock = Number(record.stock);
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
    rows.push({ where, product });
  }
  return problems.length > 0 ? { problems } : { rows };
}

export interface ImportSummary {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly failed: string[];
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

export async function applyImport(
  rows: readonly ImportRow[],
  api: { readonly url: string; readonly token: string },
  progress: (line: string) => void,
): Promise<ImportSummary> {
  const call = apiClient(api);
  const summary: ImportSummary = { created: [], updated: [], unchanged: [], failed: [] };
  const failed = (row: ImportRow, reply: Reply) => {
    const error = reply.body.error as { code?: string; message?: string } | undefined;
    summary.failed.push(row.product.productId);
    progress(
      `  failed    ${row.product.productId} (${row.where}): ${reply.status} ${error?.code ?? ""} ${error?.message ?? ""}`,
    );
  };
  for (const row of rows) {
    const { productId, name, priceMinor, stock } = row.product;
    const price = (priceMinor / 100).toFixed(2);
    const change = async () => {
      const patched = await call(
        "PATCH",
        `/products/${productId}`,
        { name, price },
        keyOf("update", productId, name, price),
      );
      if (patched.status !== 200) return failed(row, patched);
      (patched.replayed ? summary.unchanged : summary.updated).push(productId);
      if (!patched.replayed) progress(`  updated   ${productId}: ${name}, ${price}`);
    };
    const current = await call("GET", `/products/${productId}`);
    if (current.status === 200) {
      if (current.body.name === name && Math.round(Number(current.body.price) * 100) === priceMinor) {
        summary.unchanged.push(productId);
      } else {
        await change();
      }
      continue;
    }
    if (current.status !== 404) {
      failed(row, current);
      continue;
    }
    const created = await call(
      "POST",
      "/products",
      { productId, name, price, stock },
      keyOf("create", productId, name, price, stock),
    );
    if (created.status === 201 && !created.replayed) {
      summary.created.push(productId);
      progress(`  created   ${productId}: ${name}, ${price}, stock ${stock}`);
    } else if (
      created.status === 201 ||
      (created.status === 409 && (created.body.error as { code?: string })?.code === "PRODUCT_EXISTS")
    ) {
      // It exists but is off sale (the public catalogue does not show it): its name and price.
      await change();
    } else {
      failed(row, created);
    }
  }
  return summary;
}
