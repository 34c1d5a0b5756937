import { ZodError } from 'zod';
import { ChorusError } from '../errors.js';
import { Filter } from './filter.js';
import type { FacetFilters } from './facet-filters.js';

/**
 * A filter as a command line takes it: the API's JSON (`{"must": [...]}`), or the admin UI's short form, conditions
 * joined by commas, all of which must hold: `key=value` (a number, true/false or text), `key>=n`, `key>n`, `key<=n`,
 * `key<n`, `key!=value`. Validated as the API validates filters; a bad one is a usage error naming the part.
 */
export function parseFilterText(text: string): Filter {
  const trimmed = text.trim();
  let raw: unknown;
  if (trimmed.startsWith('{')) {
    try {
      raw = JSON.parse(trimmed);
    } catch (e) {
      throw new ChorusError('BAD_REQUEST', `--filter is not valid JSON: ${(e as Error).message}`);
    }
  } else raw = shortForm(trimmed);
  try {
    return Filter.parse(raw);
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    const issue = e.issues[0]!;
    throw new ChorusError('BAD_REQUEST', `--filter ${issue.path.join('.')}: ${issue.message}`);
  }
}

const CONDITION = /^([A-Za-z_]\w*)\s*(>=|<=|!=|>|<|=)\s*(.*)$/;

function shortForm(text: string): Filter {
  const must: unknown[] = [];
  const mustNot: unknown[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (!part) continue;
    const m = CONDITION.exec(part);
    if (!m || m[3] === '')
      throw new ChorusError(
        'BAD_REQUEST',
        `--filter cannot read "${part}": use key=value, key!=value, key>=number (comma-separated) or JSON`,
      );
    const [, key, op, raw] = m as unknown as [string, string, string, string];
    if (op === '=' || op === '!=') {
      (op === '=' ? must : mustNot).push({ key, match: { value: scalar(raw) } });
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n))
      throw new ChorusError('BAD_REQUEST', `--filter "${part}": ${op} needs a number`);
    const bound = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[op]!;
    must.push({ key, range: { [bound]: n } });
  }
  if (must.length + mustNot.length === 0) throw new ChorusError('BAD_REQUEST', '--filter is empty');
  return {
    ...(must.length ? { must } : {}),
    ...(mustNot.length ? { must_not: mustNot } : {}),
  } as Filter;
}

/**
 * `--facet-filter` flags (`field=value`, repeatable; one field's values are alternatives) as the API's
 * `facetFilters`. A bad one is a usage error naming it.
 */
export function parseFacetFilterTexts(texts: readonly string[]): FacetFilters {
  const out: FacetFilters = {};
  for (const text of texts) {
    const m = /^([A-Za-z_]\w*)=(.+)$/.exec(text.trim());
    if (!m)
      throw new ChorusError(
        'BAD_REQUEST',
        `--facet-filter cannot read "${text}": use field=value (repeat it for more values)`,
      );
    const [, field, raw] = m as unknown as [string, string, string];
    const value = scalar(raw.trim());
    if (!(out[field] ??= []).includes(value)) out[field].push(value);
  }
  return out;
}

function scalar(raw: string): string | number | boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  return Number.isFinite(n) && /^-?\d/.test(raw) ? n : raw;
}
