import type { RankedHit } from '../domain/candidate.js';
import { checkPayloadField } from './payload-field-check.js';

/** Refuses what the API's schema refuses (the embedded library calls the engine without it). */
export function checkCollapse(field: string | undefined): void {
  if (field !== undefined) checkPayloadField(field, 'collapse', { collapse: field });
}

/** A payload value as collapsing groups it: strings, numbers and booleans; anything else stands alone. */
function groupKey(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' && Number.isFinite(value)) return `n${value}`;
  if (typeof value === 'boolean') return `b${value}`;
  return undefined;
}

/**
 * Keeps the best-ranked hit of each value of `field` (a product's variants, an album's tracks), in rank order, as
 * Elasticsearch's collapse and Typesense's group_by with one hit per group do. A hit without a groupable value stands
 * alone. `collapsed`: for each kept hit, how many lower-ranked hits of its group were dropped.
 */
export function collapseHits(
  hits: readonly RankedHit[],
  field: string,
): { hits: RankedHit[]; collapsed: Map<string, number> } {
  const kept: RankedHit[] = [];
  const leader = new Map<string, string>();
  const collapsed = new Map<string, number>();
  for (const h of hits) {
    const key = groupKey(h.payload?.[field]);
    if (key === undefined) {
      kept.push(h);
      continue;
    }
    const first = leader.get(key);
    if (first === undefined) {
      leader.set(key, h.id);
      kept.push(h);
    } else collapsed.set(first, (collapsed.get(first) ?? 0) + 1);
  }
  return { hits: kept, collapsed };
}
