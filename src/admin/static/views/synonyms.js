// Synonyms editor for the tuning screen: the text of a Solr synonyms file (one group per line, words or phrases
// separated by commas; a line with "=>" is a one-way rule), parsed by the server as `chorus synonyms set` parses it.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';

/** @param {number} n @param {string} one */
const count = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** @param {{ collection: string, onSaved: () => void }} p */
export function Synonyms({ collection, onSaved }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const url = `/admin/api/collections/${encodeURIComponent(collection)}/synonyms`;
  useEffect(() => {
    api('GET', url).then((r) => setText(r.text), (e) => setError(e.message));
  }, [collection]);
  const save = async () => {
    setError('');
    setStatus('');
    try {
      const r = await api('PUT', url, { text });
      setText(r.text);
      setStatus(r.groups.length + r.rules.length ? `Saved ${count(r.groups.length, 'group')} and ${count(r.rules.length, 'one-way rule')}.` : 'No synonyms.');
      onSaved();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  return html`<section aria-labelledby="tu-syn-h">
    <h3 id="tu-syn-h">Synonyms</h3>
    <p class="muted small">One group per line, separated by commas: a text query holding one also searches BM25 for the others. <code>a => b</code>: a query for a also searches b.</p>
    <label for="tu-synonyms" class="sr-only">Synonym groups</label>
    <textarea id="tu-synonyms" rows="4" placeholder=${'tee, t-shirt, tshirt\nsneakers => shoes'} value=${text} onInput=${(/** @type {any} */ e) => setText(e.currentTarget.value)}></textarea>
    <button type="button" onClick=${save}>Save synonyms</button>
    ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
    ${error ? html`<p class="error small" role="alert">${error}</p>` : null}
  </section>`;
}
