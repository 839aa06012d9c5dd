/**
 * DynamoDB's item size, by its documented rules: attribute names plus values (strings and binaries by
 * their length, numbers by their significant digits, 3 bytes of overhead per list and map, 1 byte per
 * element). Capacity units follow from it: a write unit per 1 KB, a read unit per 4 KB, and twice
 * that inside a transaction.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** A number is stored as about one byte per two significant digits, plus one. */
const numberSize = (n: string) =>
  Math.ceil(n.replace(/^[-+]?0*|\.|e.*$/gi, "").replace(/0+$/, "").length / 2) + 1;

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.keys(value.M).length + itemSize(value.M);
  return 0;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

/** Write units of one item written inside a transaction: 2 per started KB, at least 2. */
export const transactionalWriteUnits = (bytes: number): number => 2 * Math.max(1, Math.ceil(bytes / 1024));
