/** "Did you mean…?" for unknown keys, profiles and sources. */

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours ("prdo" → "prod" is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidates close to `name`, best first: small edit distance (about a third of the name's length), or one
 * starts with the other ("prod" → "prod-admin", "prod-readonly"). Case is ignored.
 */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = name.toLowerCase();
  const maxDistance = Math.max(1, Math.floor(wanted.length / 3));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const c = candidate.toLowerCase();
    const distance = editDistance(wanted, c);
    if (distance <= maxDistance) scored.push({ candidate, score: distance });
    else if (wanted.length >= 2 && (c.startsWith(wanted) || wanted.startsWith(c))) scored.push({ candidate, score: maxDistance + 1 });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** " (did you mean 'x'?)" or " (did you mean 'x' or 'y'?)", or "" when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>, limit = 2): string {
  const close = closestNames(name, candidates, limit).map((c) => `'${c}'`);
  if (close.length === 0) return '';
  const last = close.pop();
  return ` (did you mean ${close.length ? `${close.join(', ')} or ` : ''}${last}?)`;
}
