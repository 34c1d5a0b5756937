// The query form shared by the playground and the tuning screen: text, image/audio upload, user id, filters.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, fileToBase64, parseFilter } from '../lib.js';

/** Filterable fields per collection, fetched once per page (the server re-reads items every 30 s). */
const fieldCache = new Map();
/** @param {string} collection @returns {Promise<any>} */
export function fieldsOf(collection) {
  if (!fieldCache.has(collection)) fieldCache.set(collection, api('GET', `/admin/api/fields/${encodeURIComponent(collection)}`).catch(() => null));
  return fieldCache.get(collection);
}

/** A filter hint built from the collection's own values, so the example has hits. @param {any} f */
const fieldHint = (f) => f.fields.map((/** @type {any} */ x) => (x.values?.length ? `${x.key} (${x.values.slice(0, 3).map((/** @type {any} */ v) => v.value).join(', ')}…)` : x.min !== undefined ? `${x.key} (${x.min}–${x.max})` : x.key)).join(' · ');

/**
 * @typedef {{ text: string, image: { name: string, type: string, data: string } | null, audio: { name: string, type: string, data: string } | null, userId: string, filter: string, limit: number }} QueryState
 */

/** @returns {QueryState} */
export const emptyQuery = () => ({ text: '', image: null, audio: null, userId: '', filter: '', limit: 10 });

/** @param {QueryState} q */
export const hasQuery = (q) => Boolean(q.text.trim() || q.image || q.audio);

/** @param {{ query: QueryState, onChange: (q: QueryState) => void, onRun: () => void, busy: boolean, idp: string, collection: string }} p */
export function QueryBar({ query, onChange, onRun, busy, idp, collection }) {
  const [fields, setFields] = useState(/** @type {any} */ (null));
  // Bumped only when a file is removed, so the native input is cleared then and keeps its pick otherwise.
  const [cleared, setCleared] = useState(0);
  useEffect(() => { fieldsOf(collection).then(setFields); }, [collection]);
  // Past queries that start with what is typed (the API's suggestions), after a short pause in typing.
  const [suggestions, setSuggestions] = useState(/** @type {{ query: string, users: number }[]} */ ([]));
  useEffect(() => {
    const t = setTimeout(() => {
      api('GET', `/admin/api/collections/${encodeURIComponent(collection)}/suggestions?prefix=${encodeURIComponent(query.text)}`)
        .then((r) => setSuggestions(r.suggestions), () => setSuggestions([]));
    }, 150);
    return () => clearTimeout(t);
  }, [collection, query.text]);
  const set = (/** @type {Partial<QueryState>} */ patch) => onChange({ ...query, ...patch });
  const drop = (/** @type {'image' | 'audio'} */ kind) => { set({ [kind]: null }); setCleared((n) => n + 1); };
  const pick = (/** @type {'image' | 'audio'} */ kind) => async (/** @type {Event} */ e) => {
    const input = /** @type {HTMLInputElement} */ (e.currentTarget);
    const file = input.files?.[0];
    set({ [kind]: file ? { name: file.name, type: file.type || 'application/octet-stream', data: await fileToBase64(file) } : null });
  };
  return html`<form class="querybar" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); onRun(); }}>
    <div class="field grow">
      <label for=${`${idp}-text`}>Query</label>
      <input id=${`${idp}-text`} type="search" placeholder="e.g. blue running shoes" value=${query.text} list=${`${idp}-suggestions`} autocomplete="off"
        onInput=${(/** @type {any} */ e) => set({ text: e.currentTarget.value })} />
      <datalist id=${`${idp}-suggestions`} data-testid=${`${idp}-suggestions`}>
        ${suggestions.map((s) => html`<option value=${s.query}>${s.users} users</option>`)}
      </datalist>
    </div>
    <div class="field">
      <label for=${`${idp}-image`}>Image</label>
      <div class="filepick">
        <input key=${`img-${cleared}`} id=${`${idp}-image`} type="file" accept="image/*" onChange=${pick('image')} />
        ${query.image ? html`<img class="qthumb" src=${`data:${query.image.type};base64,${query.image.data}`} alt="query image" />
          <span class="filename" data-testid=${`${idp}-image-name`} title=${query.image.name}>${query.image.name}</span>
          <button type="button" class="link" onClick=${() => drop('image')} aria-label="Remove the query image">✕</button>` : html`<span class="filename muted">none</span>`}
      </div>
    </div>
    <div class="field">
      <label for=${`${idp}-audio`}>Audio</label>
      <div class="filepick">
        <input key=${`aud-${cleared}`} id=${`${idp}-audio`} type="file" accept="audio/*" onChange=${pick('audio')} />
        ${query.audio ? html`<span class="filename" data-testid=${`${idp}-audio-name`} title=${query.audio.name}>${query.audio.name}</span>
          <audio class="qaudio" controls preload="metadata" src=${`data:${query.audio.type};base64,${query.audio.data}`} aria-label=${`query audio ${query.audio.name}`}></audio>
          <button type="button" class="link" onClick=${() => drop('audio')} aria-label="Remove the query audio">✕</button>` : html`<span class="filename muted">none</span>`}
      </div>
    </div>
    <div class="field">
      <label for=${`${idp}-user`}>User id</label>
      <input id=${`${idp}-user`} type="text" size="10" placeholder="optional" value=${query.userId} onInput=${(/** @type {any} */ e) => set({ userId: e.currentTarget.value })} />
    </div>
    <div class="field">
      <label for=${`${idp}-filter`}>Filter</label>
      <input id=${`${idp}-filter`} type="text" size="22" placeholder=${fields?.example ? `e.g. ${fields.example}` : 'key=value, key>=number'} value=${query.filter}
        title=${fields ? `filterable: ${fieldHint(fields) || 'nothing (no payloadIndexes)'}` : ''} onInput=${(/** @type {any} */ e) => set({ filter: e.currentTarget.value })} />
    </div>
    <div class="field">
      <label for=${`${idp}-limit`}>Top</label>
      <select id=${`${idp}-limit`} value=${String(query.limit)} onChange=${(/** @type {any} */ e) => set({ limit: Number(e.currentTarget.value) })}>
        ${[5, 10, 20, 50].map((n) => html`<option value=${String(n)}>${n}</option>`)}
      </select>
    </div>
    <button class="primary" type="submit" disabled=${busy}>${busy ? 'Searching…' : 'Search'}</button>
    ${fields ? html`<p class="hint muted small" data-testid=${`${idp}-fields`}>Filterable: ${fieldHint(fields) || 'no fields (declare payloadIndexes)'}. Exact and case-sensitive.</p>` : null}
    ${query.text.trim() && (query.image || query.audio) ? html`<p class="hint muted small" role="note">Text and media together: where both reach the same vector (e.g. CLIP's <code>image</code>), the engine searches it with the text. Clear the text for a pure ${query.image ? 'image' : 'audio'} query.</p>` : null}
  </form>`;
}

/** The JSON the compare/eval routes take for a query. @param {string} collection @param {QueryState} q */
export function queryRequest(collection, q) {
  /** @type {Record<string, unknown>} */
  const body = { collection, limit: q.limit };
  if (q.text.trim()) body.text = q.text.trim();
  if (q.image) body.image = q.image.data;
  if (q.audio) body.audio = q.audio.data;
  if (q.userId.trim()) body.userId = q.userId.trim();
  const filter = parseFilter(q.filter);
  if (filter) body.filter = filter;
  return body;
}
