// Picks a ranker for one side of a comparison.
import { html } from '../lib.js';

export const RANKERS = [
  { value: 'rrf', label: 'RRF (reciprocal rank fusion)' },
  { value: 'weighted', label: 'Weighted sum (min-max)' },
  { value: 'dbsf', label: 'DBSF (distribution-based)' },
  { value: 'model', label: 'Promoted model' },
  { value: 'noop', label: 'No fusion (best single list)' },
];
const NAMES = new Set(RANKERS.map((r) => r.value));

/**
 * The default right-hand ranker: the promoted model when there is one, else a different fusion than the left
 * (comparing RRF with an absent model would show two identical lists).
 * @param {string | null} promoted
 */
export const defaultChallenger = (promoted) => (promoted ? 'model' : 'dbsf');

/** A ranker name from a URL parameter, refusing unknown ones and the model when none is promoted. @param {string | null} v @param {string} fallback @param {string | null} promoted */
export const rankerParam = (v, fallback, promoted) => (v && NAMES.has(v) && (v !== 'model' || promoted) ? v : fallback);

/** @param {{ id: string, label: string, value: string, onChange: (v: string) => void, promoted?: string | null }} p */
export function RankerSelect({ id, label, value, onChange, promoted = null }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(/** @type {any} */ e) => onChange(e.currentTarget.value)}>
      ${RANKERS.map((r) => (r.value === 'model'
        ? html`<option value="model" disabled=${!promoted}>${promoted ? `Promoted model (${promoted})` : 'Promoted model (none promoted yet)'}</option>`
        : html`<option value=${r.value}>${r.label}</option>`))}
    </select>
  </div>`;
}
