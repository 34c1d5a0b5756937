// Picks a ranker for one side of a comparison.
import { html } from '../lib.js';

export const RANKERS = [
  { value: 'rrf', label: 'RRF (reciprocal rank fusion)' },
  { value: 'weighted', label: 'Weighted sum (min-max)' },
  { value: 'dbsf', label: 'DBSF (distribution-based)' },
  { value: 'model', label: 'Promoted model' },
  { value: 'noop', label: 'No fusion (best single list)' },
];

/** @param {{ id: string, label: string, value: string, onChange: (v: string) => void }} p */
export function RankerSelect({ id, label, value, onChange }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(/** @type {any} */ e) => onChange(e.currentTarget.value)}>
      ${RANKERS.map((r) => html`<option value=${r.value}>${r.label}</option>`)}
    </select>
  </div>`;
}
