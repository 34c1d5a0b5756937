// The collection's settings document on the tuning screen: the JSON `chorus settings show` prints (synonyms,
// curations, field weights). Copy it to another collection or server; paste one here and apply it.
import { html } from '../lib.js';
import { SettingsBox } from './settings-box.js';

/** @param {{ collection: string, version?: number, onSaved: () => void }} p */
export function SettingsDocument({ collection, version, onSaved }) {
  return html`<${SettingsBox} collection=${collection} version=${version} name="settings" id="tu-settings" heading="Settings document" label="Settings document (JSON)"
    help=${html`Synonyms, curations, field weights and suggestion exclusions as one JSON document (<code>chorus settings show</code> prints it, <code>chorus settings apply</code> reads it): copy it elsewhere, or paste one and apply it. A part left out is kept.`}
    placeholder=${'{"synonyms": {"groups": [["tee", "t-shirt"]]}}'} rows=${6} saveLabel="Replace settings" onSaved=${onSaved}
    saved=${(/** @type {any} */ r) => `Applied.${r.job ? ' Rebuilding the BM25 documents with the new weights (see the jobs list).' : ''}${r.missing?.length ? ` Curated ids not in the collection (yet): ${r.missing.join(', ')}.` : ''}`} />`;
}
