import { ChorusError } from '../errors.js';
import type { SynonymExpansion, SynonymSet } from '../domain/synonyms.js';
import { analyzerFor, type Analyzer } from './analyzer.js';

interface Expression {
  text: string;
  terms: string[];
}

/** An expression that, found in a query, adds its targets. */
interface Trigger {
  terms: string[];
  targets: Expression[];
}

function compile(analyzer: Analyzer, text: string): Expression {
  const terms = analyzer.analyze(text);
  if (terms.length === 0)
    throw new ChorusError(
      'VALIDATION',
      `synonym "${text}" has no searchable word (stop words or punctuation only)`,
      { expression: text },
    );
  return { text, terms };
}

/**
 * Synonyms compiled against the BM25 analyzer: an expression matches where its terms stand in a row among the
 * query's terms (after stop words and stemming, so "T-shirts" matches "t-shirt"); a group's match adds the group's
 * other expressions, a rule's match its `to`. Indexed by first term, so a query costs one lookup per term, not one
 * per group.
 */
export class SynonymMatcher {
  private readonly byFirst = new Map<string, Trigger[]>();

  constructor(
    set: Pick<SynonymSet, 'groups' | 'rules'>,
    private readonly analyzer: Analyzer = analyzerFor(),
  ) {
    const compiled = (list: readonly string[]) => list.map((e) => compile(analyzer, e));
    for (const group of set.groups) {
      const members = compiled(group);
      for (const m of members) this.add({ terms: m.terms, targets: members });
    }
    for (const rule of set.rules) {
      const targets = compiled(rule.to);
      for (const from of compiled(rule.from)) this.add({ terms: from.terms, targets });
    }
  }

  private add(t: Trigger): void {
    const list = this.byFirst.get(t.terms[0]!) ?? [];
    list.push(t);
    this.byFirst.set(t.terms[0]!, list);
  }

  expand(query: string): SynonymExpansion {
    const q = this.analyzer.analyze(query);
    const matched: Trigger[] = [];
    const asTyped = new Set<string>();
    q.forEach((term, i) => {
      for (const t of this.byFirst.get(term) ?? [])
        if (t.terms.every((x, j) => q[i + j] === x)) {
          matched.push(t);
          for (const x of t.terms) asTyped.add(x);
        }
    });
    const own = new Set(q);
    const terms = new Set<string>();
    const added = new Set<string>();
    for (const t of matched)
      for (const e of t.targets) {
        const fresh = e.terms.filter((x) => !own.has(x));
        if (fresh.length === 0) continue;
        added.add(e.text);
        for (const x of fresh) terms.add(x);
      }
    return { terms: [...terms], asTyped: [...asTyped], added: [...added] };
  }
}

/** Inner spaces collapsed, each expression once per list (case-insensitively). */
function distinct(list: readonly string[]): string[] {
  const seen = new Set<string>();
  return list
    .map((e) => e.trim().replace(/\s+/g, ' '))
    .filter((e) => {
      const key = e.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Synonyms as stored: expressions normalised; a group that collapses to one expression is refused. */
export function normaliseSynonyms(set: Pick<SynonymSet, 'groups' | 'rules'>): SynonymSet {
  const groups = set.groups.map((g, group) => {
    const kept = distinct(g);
    if (kept.length < 2)
      throw new ChorusError('VALIDATION', 'a synonym group needs two different words or phrases', {
        group,
        expressions: g,
      });
    return kept;
  });
  const rules = set.rules.map((r) => ({ from: distinct(r.from), to: distinct(r.to) }));
  return { groups, rules };
}
