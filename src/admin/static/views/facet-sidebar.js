// The playground's facet sidebar: value counts over the query's candidates, ticked values narrowing the hits
// (OR within a field, AND across fields; a ticked field keeps counting its other values, as a shop's sidebar does).
import { useState } from '/admin/vendor/hooks.mjs';
import { html } from '../lib.js';

/** Values a field lists before its "find a value" box is needed (the server counts up to 50). */
export const SHOWN_VALUES = 10;

/**
 * The values a field lists: the first SHOWN_VALUES by count, or with `find` typed every counted value whose text
 * holds it (any case); ticked values are listed whatever the rest shows, so they can be unticked.
 * @param {{ value: string | number | boolean, count: number }[]} counted
 * @param {(string | number | boolean)[]} ticked
 * @param {string} find
 */
export function listedValues(counted, ticked, find) {
  const needle = find.trim().toLowerCase();
  const shown = needle ? counted.filter((c) => String(c.value).toLowerCase().includes(needle)) : counted.slice(0, SHOWN_VALUES);
  const rest = ticked.filter((v) => !shown.some((c) => c.value === v)).map((value) => counted.find((c) => c.value === value) ?? { value, count: 0 });
  return [...shown, ...rest];
}

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
  const [find, setFind] = useState(/** @type {Record<string, string>} */ ({}));
  const fields = Object.keys(facets ?? {});
  if (fields.length === 0 && Object.keys(selected).length === 0) return null;
  return html`<aside class="card facet-sidebar" data-testid="facet-sidebar" aria-label="Refine by">
    <h3>Refine</h3>
    ${fields.map((field) => {
      const counted = facets?.[field] ?? [];
      const typed = find[field] ?? '';
      const listed = listedValues(counted, selected[field] ?? [], typed);
      return html`<fieldset class="facet" data-field=${field}>
        <legend>${field}</legend>
        ${counted.length > SHOWN_VALUES || typed
          ? html`<input type="search" class="facet-find" placeholder="Find a value" aria-label=${`Find a ${field} value`}
              value=${typed} onInput=${(/** @type {any} */ e) => setFind({ ...find, [field]: e.currentTarget.value })} />`
          : null}
        ${listed.map((c) => html`<label class="facet-value">
          <input type="checkbox" checked=${(selected[field] ?? []).includes(c.value)}
            onChange=${() => onToggle(field, c.value)} />
          <span>${String(c.value)}</span> <span class="muted small" data-testid="facet-count">${c.count}</span>
        </label>`)}
        ${!typed && counted.length > SHOWN_VALUES ? html`<p class="muted small" data-testid="facet-more">${counted.length - SHOWN_VALUES} more among the candidates: find them by name</p>` : null}
        ${typed && listed.length === 0 ? html`<p class="muted small">no value holds "${typed}"</p>` : null}
        ${counted.length === 0 && listed.length === 0 ? html`<p class="muted small">no values among the candidates</p>` : null}
      </fieldset>`;
    })}
  </aside>`;
}
