// The playground's facet sidebar: value counts over the query's candidates, ticked values narrowing the hits
// (OR within a field, AND across fields; a ticked field keeps counting its other values, as a shop's sidebar does).
import { html } from '../lib.js';

/** @typedef {Record<string, (string | number | boolean)[]>} FacetFilters */

/** `selected` with `value` of `field` ticked or unticked. @param {FacetFilters} selected @param {string} field @param {string | number | boolean} value */
export function toggleFacet(selected, field, value) {
  const now = selected[field] ?? [];
  const next = now.includes(value) ? now.filter((v) => v !== value) : [...now, value];
  const out = { ...selected };
  if (next.length) out[field] = next;
  else delete out[field];
  return out;
}

/** The sidebar's selection as a URL parameter value and back. @param {FacetFilters} selected */
export const facetParam = (selected) => (Object.keys(selected).length ? JSON.stringify(selected) : '');
/** @param {string | null} raw @returns {FacetFilters} */
export function parseFacetParam(raw) {
  try {
    const v = raw ? JSON.parse(raw) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * @param {{ facets: Record<string, { value: string | number | boolean, count: number }[]> | undefined,
 *   selected: FacetFilters, onToggle: (field: string, value: string | number | boolean) => void }} p
 */
export function FacetSidebar({ facets, selected, onToggle }) {
  const fields = Object.keys(facets ?? {});
  if (fields.length === 0 && Object.keys(selected).length === 0) return null;
  return html`<aside class="card facet-sidebar" data-testid="facet-sidebar" aria-label="Refine by">
    <h3>Refine</h3>
    ${fields.map((field) => {
      const counted = facets?.[field] ?? [];
      // A ticked value the counts no longer list stays, so it can be unticked.
      const extra = (selected[field] ?? []).filter((v) => !counted.some((c) => c.value === v)).map((value) => ({ value, count: 0 }));
      return html`<fieldset class="facet" data-field=${field}>
        <legend>${field}</legend>
        ${[...counted, ...extra].map((c) => html`<label class="facet-value">
          <input type="checkbox" checked=${(selected[field] ?? []).includes(c.value)}
            onChange=${() => onToggle(field, c.value)} />
          <span>${String(c.value)}</span> <span class="muted small" data-testid="facet-count">${c.count}</span>
        </label>`)}
        ${counted.length === 0 && extra.length === 0 ? html`<p class="muted small">no values among the candidates</p>` : null}
      </fieldset>`;
    })}
  </aside>`;
}
