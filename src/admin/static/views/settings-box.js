// A per-collection setting edited as text on the tuning screen (synonyms, curations): loaded from and saved to
// /admin/api/collections/:collection/:name, parsed by the server with the CLI's parser.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';

/**
 * `version`: changed when the setting was edited elsewhere on the page (read it again).
 * @param {{ collection: string, version?: number, name: string, id: string, heading: string, help: any, label: string, placeholder: string,
 *   rows: number, saveLabel: string, saved: (r: any) => string, onSaved: () => void }} p
 */
export function SettingsBox({ collection, version, name, id, heading, help, label, placeholder, rows, saveLabel, saved, onSaved }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const url = `/admin/api/collections/${encodeURIComponent(collection)}/${name}`;
  useEffect(() => {
    setStatus('');
    api('GET', url).then((r) => setText(r.text), (e) => setError(e.message));
  }, [collection, version]);
  const save = async () => {
    setError('');
    setStatus('');
    try {
      const r = await api('PUT', url, { text });
      setText(r.text);
      setStatus(saved(r));
      onSaved();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  return html`<section aria-labelledby=${`${id}-h`}>
    <h3 id=${`${id}-h`}>${heading}</h3>
    <p class="muted small">${help}</p>
    <label for=${id} class="sr-only">${label}</label>
    <textarea id=${id} rows=${rows} placeholder=${placeholder} value=${text} onInput=${(/** @type {any} */ e) => setText(e.currentTarget.value)}></textarea>
    <button type="button" onClick=${save}>${saveLabel}</button>
    ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
    ${error ? html`<p class="error small" role="alert">${error}</p>` : null}
  </section>`;
}
