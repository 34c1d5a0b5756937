// Synonyms editor for the tuning screen: the text of a Solr synonyms file (one group per line, words or phrases
// separated by commas; a line with "=>" is a one-way rule), parsed by the server as `chorus synonyms set` parses it.
import { html } from '../lib.js';
import { SettingsBox } from './settings-box.js';

/** @param {number} n @param {string} one */
const count = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** @param {{ collection: string, version?: number, onSaved: () => void }} p */
export function Synonyms({ collection, version, onSaved }) {
  return html`<${SettingsBox} collection=${collection} version=${version} name="synonyms" id="tu-synonyms" heading="Synonyms" label="Synonym groups"
    help=${html`One group per line, separated by commas: a text query holding one also searches BM25 for the others. <code>a => b</code>: a query for a also searches b.`}
    placeholder=${'tee, t-shirt, tshirt\nsneakers => shoes'} rows=${4} saveLabel="Save synonyms" onSaved=${onSaved}
    saved=${(/** @type {any} */ r) => (r.groups.length + r.rules.length ? `Saved ${count(r.groups.length, 'group')} and ${count(r.rules.length, 'one-way rule')}.` : 'No synonyms.')} />`;
}
