import { ChorusError } from '../errors.js';
import type { SynonymExpansion, SynonymGroups } from '../domain/synonyms.js';
import { analyze } from './analyzer.js';

interface Expression {
  group: number;
  text: string;
  terms: string[];
}

/**
 * Synonym groups compiled against the BM25 analyzer: an expression matches where its terms stand in a row among the
 * query's terms (after stop words and stemming, so "T-shirts" matches "t-shirt"); the other expressions of each
 * matched group are added. Indexed by first term, so a query costs one lookup per term, not one per group.
 */
export class SynonymMatcher {
  private readonly byFirst = new Map<string, Expression[]>();
  private readonly groups: Expression[][] = [];

  constructor(groups: SynonymGroups) {
    groups.forEach((expressions, group) => {
      const compiled = expressions.map((text) => {
        const terms = analyze(text);
        if (terms.length === 0)
          throw new ChorusError(
            'VALIDATION',
            `synonym "${text}" has no searchable word (stop words or punctuation only)`,
            { group, expression: text },
          );
        return { group, text, terms };
      });
      this.groups.push(compiled);
      for (const e of compiled) {
        const list = this.byFirst.get(e.terms[0]!) ?? [];
        list.push(e);
        this.byFirst.set(e.terms[0]!, list);
      }
    });
  }

  get size(): number {
    return this.groups.length;
  }

  expand(query: string): SynonymExpansion {
    const q = analyze(query);
    const matched = new Set<number>();
    const asTyped = new Set<string>();
    q.forEach((term, i) => {
      for (const e of this.byFirst.get(term) ?? [])
        if (e.terms.every((t, j) => q[i + j] === t)) {
          matched.add(e.group);
          for (const t of e.terms) asTyped.add(t);
        }
    });
    const own = new Set(q);
    const terms = new Set<string>();
    const added: string[] = [];
    for (const group of matched)
      for (const e of this.groups[group]!) {
        const fresh = e.terms.filter((t) => !own.has(t));
        if (fresh.length === 0) continue;
        added.push(e.text);
        for (const t of fresh) terms.add(t);
      }
    return { terms: [...terms], asTyped: [...asTyped], added };
  }
}

/** Groups as stored: inner spaces collapsed, each expression once per group (case-insensitively). */
export function normaliseSynonyms(groups: SynonymGroups): SynonymGroups {
  return groups.map((g, group) => {
    const seen = new Set<string>();
    const kept = g
      .map((e) => e.trim().replace(/\s+/g, ' '))
      .filter((e) => {
        const key = e.toLowerCase();
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    if (kept.length < 2)
      throw new ChorusError('VALIDATION', 'a synonym group needs two different words or phrases', {
        group,
        expressions: g,
      });
    return kept;
  });
}
