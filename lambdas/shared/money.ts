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
