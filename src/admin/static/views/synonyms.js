// Synonyms editor for the tuning screen: one group per line, words or phrases separated by commas.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';

/** @param {string[][]} groups */
const toText = (groups) => groups.map((g) => g.join(', ')).join('\n');
/** @param {string} text @returns {string[][]} */
const fromText = (text) => text.split('\n').map((line) => line.split(',').map((e) => e.trim()).filter(Boolean)).filter((g) => g.length > 0);

/** @param {{ collection: string, onSaved: () => void }} p */
export function Synonyms({ collection, onSaved }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const url = `/admin/api/collections/${encodeURIComponent(collection)}/synonyms`;
  useEffect(() => {
    api('GET', url).then((r) => setText(toText(r.groups)), (e) => setError(e.message));
  }, [collection]);
  const save = async () => {
    setError('');
    setStatus('');
    try {
      const r = await api('PUT', url, { groups: fromText(text) });
      setText(toText(r.groups));
      setStatus(r.groups.length ? `Saved ${r.groups.length} synonym group${r.groups.length === 1 ? '' : 's'}.` : 'No synonyms.');
      onSaved();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  return html`<section aria-labelledby="tu-syn-h">
    <h3 id="tu-syn-h">Synonyms</h3>
    <p class="muted small">One group per line, separated by commas: a text query holding one also searches BM25 for the others.</p>
    <label for="tu-synonyms" class="sr-only">Synonym groups</label>
    <textarea id="tu-synonyms" rows="4" placeholder="tee, t-shirt, tshirt" value=${text} onInput=${(/** @type {any} */ e) => setText(e.currentTarget.value)}></textarea>
    <button type="button" onClick=${save}>Save synonyms</button>
    ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
    ${error ? html`<p class="error small" role="alert">${error}</p>` : null}
  </section>`;
}
