import { ZodError } from 'zod';
import { ChorusError } from '../errors.js';
import { CollectionSettings } from './collection-settings.js';
import { describeRanking } from './ranking-defaults.js';

/** A settings document as `chorus settings show` writes it (JSON), or an error naming what is wrong and where. */
export function parseCollectionSettingsFile(text: string): CollectionSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ChorusError('BAD_REQUEST', `not valid JSON: ${(e as Error).message}`);
  }
  try {
    return CollectionSettings.parse(raw);
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    const issue = e.issues[0]!;
    const where = issue.path.map(String).join('.') || 'the document';
    throw new ChorusError('VALIDATION', `${where}: ${issue.message}`);
  }
}

/** One line per part: what a settings document holds or what was stored. */
export function describeCollectionSettings(s: CollectionSettings): string[] {
  const lines: string[] = [];
  if (s.synonyms)
    lines.push(
      `synonyms: ${s.synonyms.groups.length} group(s), ${s.synonyms.rules.length} one-way rule(s)`,
    );
  if (s.curations) lines.push(`curations: ${s.curations.rules.length} rule(s)`);
  if (s.lexical) {
    const w = Object.entries(s.lexical.fieldWeights);
    lines.push(
      `field weights: ${w.length ? w.map(([f, n]) => `${f}=${n}`).join(', ') : 'every text field weighs 1'}; language ${s.lexical.language ?? 'english'}`,
    );
  }
  if (s.suggestions)
    lines.push(`suggestions: ${s.suggestions.exclude.length} excluded expression(s)`);
  if (s.ranking) lines.push(`ranking: ${describeRanking(s.ranking)}`);
  return lines;
}
