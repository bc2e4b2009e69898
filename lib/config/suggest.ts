import { distance } from "fastest-levenshtein";

/** The closest candidate to `word` if it is plausibly a typo of it, else undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** " — did you mean 'x'?" or "" */
export function suggestionSuffix(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? "" : ` (did you mean '${s}'?)`;
}
