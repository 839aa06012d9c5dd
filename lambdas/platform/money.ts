/** Money is held in integer minor units (cents) so totals never drift; the API speaks major units. */

export function toMinorUnits(major: number): number {
  const minor = Math.round(major * 100);
  if (!Number.isSafeInteger(minor) || minor < 0) {
    throw new RangeError(`Not a valid non-negative amount: ${major}`);
  }
  return minor;
}

export function toMajorUnits(minor: number): number {
  return minor / 100;
}

export function formatMoney(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

/** An amount in major units as text or a number, with at most two decimals: exact in minor units. */
const AMOUNT = /^(\d{1,9})(?:\.(\d{1,2}))?$/;
/** "12.50" or 12.5 → 1250; undefined for anything that is not a positive amount with two decimals at most. */
export function minorUnitsOf(amount: string | number): number | undefined {
  const match = AMOUNT.exec(typeof amount === "number" ? String(amount) : amount.trim());
  if (!match) return undefined;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return minor > 0 ? minor : undefined;
}
