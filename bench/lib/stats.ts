/** Small statistics over samples: medians with min–max, and percentiles. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('no samples');
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank percentile (`p` in 0..100) of already sorted values. */
function rank(values: readonly number[], p: number): number {
  const index = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[index]!;
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values);
  return { median: median(s), min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = sorted(values);
  return { p50: rank(s, 50), p95: rank(s, 95), p99: rank(s, 99), max: s[s.length - 1]!, n: s.length };
}

/** `1.03 (0.98–1.10)`: median and range, `digits` decimals. */
export function formatSummary(summary: Summary, digits = 2, unit = ''): string {
  const f = (v: number) => `${v.toFixed(digits)}${unit}`;
  return summary.n > 1 ? `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})` : f(summary.median);
}
