import type { SynonymSet } from './synonyms.js';
import { ChorusError } from '../errors.js';

/**
 * Solr's synonyms file format, which most search teams already keep: one entry per line, `#` comments and blank
 * lines ignored; `a, b, c` is a group of equivalent words or phrases; `a, b => c, d` a one-way rule (a query for a or
 * b also searches c and d). Escaped commas are not supported.
 */
export function parseSynonymsFile(text: string): SynonymSet {
  const set: SynonymSet = { groups: [], rules: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `line ${i + 1}`;
    const list = (part: string) =>
      part
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
    const sides = line.split('=>');
    if (sides.length > 2) throw new ChorusError('BAD_REQUEST', `${where}: more than one "=>"`);
    if (sides.length === 2) {
      const [from, to] = sides.map(list) as [string[], string[]];
      if (from.length === 0 || to.length === 0)
        throw new ChorusError('BAD_REQUEST', `${where}: "=>" needs words on both sides`);
      set.rules.push({ from, to });
      return;
    }
    const group = list(line);
    if (group.length < 2)
      throw new ChorusError(
        'BAD_REQUEST',
        `${where}: a group needs two words or phrases separated by commas`,
      );
    set.groups.push(group);
  });
  return set;
}

/** The same format back (what `chorus synonyms show` prints and `set --file` reads). */
export function formatSynonymsFile(set: SynonymSet): string {
  return [
    ...set.groups.map((g) => g.join(', ')),
    ...set.rules.map((r) => `${r.from.join(', ')} => ${r.to.join(', ')}`),
  ]
    .map((l) => `${l}\n`)
    .join('');
}
