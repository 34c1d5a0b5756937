/**
 * Typo tolerance for BM25: a query term the collection has never seen is read as the most frequent term of its
 * vocabulary one edit away (insertion, deletion, substitution or swap of neighbours: Damerau), as search boxes are
 * expected to ("jersy" finds "jersey"). Terms the collection knows are never changed, so a correctly spelt query
 * scores as before; a corrected term counts TYPO_WEIGHT of its idf, so documents with the exact words rank first.
 */

/** Shorter terms are not corrected: one edit turns most of them into other real words. */
export const MIN_TYPO_LENGTH = 4;
/**
 * A slip in the first letter is read only in words this long, and only when no term keeps the typed first letter:
 * most engines trust the first letter (Meilisearch counts a typo there as two), and a short word with its first
 * letter changed is usually another word ("bender", "gender").
 */
export const MIN_FIRST_LETTER_TYPO_LENGTH = 5;
/** A corrected term's share of its weight. */
export const TYPO_WEIGHT = 0.8;

/** Whether `a` becomes `b` with at most one insertion, deletion, substitution or swap of neighbours. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb)
    return (
      a.slice(i + 1) === b.slice(i + 1) ||
      (i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2))
    );
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * The correction of a word among `vocabulary` (index terms with their document frequencies): within one edit of one
 * of its `typed` forms (its stem and the word itself: "jersy" stems to "jersi", two edits from the term "jersey",
 * one from the word), the most frequent, ties by term; a term with another first letter only when none keeps it
 * (see MIN_FIRST_LETTER_TYPO_LENGTH). The caller reads the vocabulary near the word (Bm25Index.vocabularyNear).
 */
export function bestCorrection(
  typed: readonly string[],
  vocabulary: Iterable<{ term: string; df: number }>,
): string | undefined {
  // Words with digits are codes (SKUs, model numbers): "x200" one edit from "x300" is another product, not a typo.
  if (typed.some((t) => /\p{N}/u.test(t))) return undefined;
  const forms = typed.filter((t) => [...t].length >= MIN_TYPO_LENGTH);
  if (forms.length === 0) return undefined;
  let best: { term: string; df: number } | undefined;
  let bestOther: { term: string; df: number } | undefined;
  const better = (v: { term: string; df: number }, b?: { term: string; df: number }) =>
    !b || v.df > b.df || (v.df === b.df && v.term < b.term);
  for (const v of vocabulary) {
    const near = forms.filter((t) => t !== v.term && withinOneEdit(t, v.term));
    if (near.length === 0) continue;
    if (near.some((t) => t[0] === v.term[0])) {
      if (better(v, best)) best = v;
    } else if (near.some((t) => [...t].length >= MIN_FIRST_LETTER_TYPO_LENGTH)) {
      if (better(v, bestOther)) bestOther = v;
    }
  }
  return (best ?? bestOther)?.term;
}
