/** "Did you mean" hints for misspelt names in definitions (fields, step ids, handler names). */

/** Edit distance between two strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

const simplify = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/** Longest name (and candidate) compared: step ids and handler names are shorter than this. */
const MAX_SUGGESTED_LENGTH = 256;

/**
 * The known name a misspelt one most likely meant: equal ignoring case, `_` and `-`
 * (`depends_on` → `dependsOn`), else the closest within a small edit distance. None when nothing is close.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  // Names this long are no misspelling of a field or an id, and comparing them would cost length².
  if (name.length > MAX_SUGGESTED_LENGTH) return undefined;
  const candidates = [...known].filter((k) => k.length <= MAX_SUGGESTED_LENGTH);
  const simple = simplify(name);
  const same = candidates.find((k) => simplify(k) === simple);
  if (same !== undefined) return same;
  const limit = Math.min(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue; // cannot be closer
    const d = distance(candidate, name);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** `; did you mean "x"?` for the closest known name, or the empty string. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const close = closestName(name, known);
  return close === undefined ? '' : `; did you mean "${close}"?`;
}
