/**
 * "Did you mean ...?" for unknown keys: the closest valid key by edit distance, after folding
 * case and '-' to '_' (so `Command` and `start-limit` find `command` and `start_limit`).
 */

function fold(text: string): string {
  return text.toLowerCase().replaceAll("-", "_");
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("comamnd"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i];
    if (row === undefined) continue;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The valid key closest to `key`, or undefined when none is close enough to be a likely typo. */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const folded = fold(key);
  // A third of the key's length, at least 1 and at most 3 edits: "comand" -> "command", but
  // "port" must not suggest "sort".
  const limit = Math.min(3, Math.max(1, Math.floor(folded.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of valid) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
