// Curations editor for the tuning screen: items promoted first or hidden for given queries, as the text
// `chorus curations set --file` reads (query:, match:, promote:, hide:, position:, from:, until: lines), parsed by the server.
import { html } from '../lib.js';
import { SettingsBox } from './settings-box.js';

const EXAMPLE = 'query: summer sale\npromote: p12\npromote: p7\nhide: p99\n\nquery: gift\nmatch: contains\npromote: p3';

/** @param {{ collection: string, version?: number, onSaved: () => void }} p */
export function Curations({ collection, version, onSaved }) {
  return html`<${SettingsBox} collection=${collection} version=${version} name="curations" id="tu-curations" heading="Curations" label="Curation rules"
    help=${html`Per query: <code>promote:</code> items go first in this order, <code>hide:</code> items are left out. A rule matches the same words (<code>match: contains</code>: the words in a row); the first matching rule applies. Optional: <code>position: 3</code> puts the promoted items from the third place, <code>from:</code> / <code>until:</code> (e.g. <code>2026-12-01T00:00:00Z</code>) schedule the rule.`}
    placeholder=${EXAMPLE} rows=${6} saveLabel="Save curations" onSaved=${onSaved}
    saved=${(/** @type {any} */ r) => (r.rules.length ? `Saved ${r.rules.length} rule${r.rules.length === 1 ? '' : 's'}.${r.missing?.length ? ` Not in the collection (yet): ${r.missing.join(', ')}.` : ''}` : 'No curation rules.')} />`;
}
