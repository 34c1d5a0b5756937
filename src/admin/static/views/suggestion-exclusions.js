// Suggestion exclusions for the tuning screen: words and phrases never offered as search-box suggestions, one a
// line (a suggestion holding one, its words in a row, is left out from the next lookup).
import { html } from '../lib.js';
import { SettingsBox } from './settings-box.js';

/** @param {{ collection: string, version?: number, onSaved: () => void }} p */
export function SuggestionExclusions({ collection, version, onSaved }) {
  return html`<${SettingsBox} collection=${collection} version=${version} name="suggestion-settings" id="tu-exclusions" heading="Suggestion exclusions" label="Never suggested"
    help=${html`One word or phrase per line: a past query holding it is never offered as a suggestion (compared as suggestions are: case and punctuation aside).`}
    placeholder=${'free\ncheap knockoff'} rows=${3} saveLabel="Save exclusions" onSaved=${onSaved}
    saved=${(/** @type {any} */ r) => (r.exclude.length ? `Saved ${r.exclude.length} excluded expression${r.exclude.length === 1 ? '' : 's'}.` : 'Nothing excluded.')} />`;
}
