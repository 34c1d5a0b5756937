import { ZodError } from 'zod';
import { ChorusError } from '../errors.js';
import { CurationSet } from './curations.js';

type Draft = {
  query: string;
  match?: 'exact' | 'contains';
  promote: string[];
  hide: string[];
  position?: number;
  from?: string;
  until?: string;
};

/**
 * The rules as text (what `chorus curations set --file` and the admin box read): `key: value` lines, a `query:` line
 * starts a rule, `match: exact|contains`, one `promote:` line per item in its order, one `hide:` line per item,
 * optionally `position: N` (where the promoted items go) and `from:` / `until:` (its schedule, ISO date-times);
 * `#` starts a comment line, blank lines are ignored. One id per line, so ids may hold commas and spaces (not
 * leading or trailing ones: the JSON API takes any id).
 */
export function parseCurationsFile(text: string): CurationSet {
  const rules: Draft[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon < 0)
      throw new ChorusError(
        'BAD_REQUEST',
        `${where}: expected "query:", "match:", "promote:", "hide:", "position:", "from:" or "until:"`,
      );
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!value) throw new ChorusError('BAD_REQUEST', `${where}: "${key}:" needs a value`);
    if (key === 'query') {
      rules.push({ query: value, promote: [], hide: [] });
      return;
    }
    const rule = rules.at(-1);
    if (!rule) throw new ChorusError('BAD_REQUEST', `${where}: a rule starts with a "query:" line`);
    if (key === 'match') {
      if (value !== 'exact' && value !== 'contains')
        throw new ChorusError('BAD_REQUEST', `${where}: match is "exact" or "contains"`);
      rule.match = value;
    } else if (key === 'promote') rule.promote.push(value);
    else if (key === 'hide') rule.hide.push(value);
    else if (key === 'position') {
      if (!/^\d+$/.test(value))
        throw new ChorusError('BAD_REQUEST', `${where}: position is a whole number (1: the top)`);
      rule.position = Number(value);
    } else if (key === 'from' || key === 'until') rule[key] = value;
    else
      throw new ChorusError(
        'BAD_REQUEST',
        `${where}: unknown key "${key}" (query, match, promote, hide, position, from, until)`,
      );
  });
  return { rules: rules.map((r) => ({ ...r, match: r.match ?? 'exact' })) };
}

/** The same format back, a blank line between rules. */
export function formatCurationsFile(set: CurationSet): string {
  return set.rules
    .map((r) =>
      [
        `query: ${r.query}`,
        ...(r.match === 'exact' ? [] : [`match: ${r.match}`]),
        ...(r.position === undefined ? [] : [`position: ${r.position}`]),
        ...(r.from === undefined ? [] : [`from: ${r.from}`]),
        ...(r.until === undefined ? [] : [`until: ${r.until}`]),
        ...r.promote.map((id) => `promote: ${id}`),
        ...r.hide.map((id) => `hide: ${id}`),
      ]
        .map((l) => `${l}\n`)
        .join(''),
    )
    .join('\n');
}

/** Rules from a file's text (`json`: a `{rules}` document; else the line format), validated; errors name the rule. */
export function curationsFromFile(text: string, json: boolean): CurationSet {
  let raw: unknown;
  if (json) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ChorusError('BAD_REQUEST', `not valid JSON: ${(e as Error).message}`);
    }
  } else raw = parseCurationsFile(text);
  try {
    return CurationSet.parse(raw);
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    const issue = e.issues[0]!;
    const [, index, ...rest] = issue.path;
    const where =
      typeof index === 'number'
        ? `rule ${index + 1}${rest.length ? ` (${rest.join('.')})` : ''}`
        : issue.path.join('.') || 'rules';
    throw new ChorusError('VALIDATION', `${where}: ${issue.message}`);
  }
}
