// Recommendations preview: what a user, an item's page or a popular / trending shelf would be shown, as the API
// serves it (never logged). State lives in the URL.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';
import { writeRoute } from '../url-state.js';
import { ResultList } from './results.js';

const MODES = [
  { id: 'user', label: 'For a user', needsId: true },
  { id: 'item', label: 'More like an item', needsId: true },
  { id: 'popular', label: 'Popular shelf', needsId: false },
  { id: 'trending', label: 'Trending shelf', needsId: false },
];

/** @param {{ collection: string, params: URLSearchParams }} p */
export function Recommend({ collection, params }) {
  const [mode, setMode] = useState(() => (MODES.some((m) => m.id === params.get('mode')) ? String(params.get('mode')) : 'trending'));
  const [id, setId] = useState(() => params.get('id') ?? '');
  const [res, setRes] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const needsId = MODES.find((m) => m.id === mode)?.needsId ?? false;

  const run = async (/** @type {{ push?: boolean }} */ o = { push: true }) => {
    // Results of another request must not stand under this one's error or while it loads.
    setRes(null);
    if (needsId && !id.trim()) return setError(mode === 'user' ? 'Type a user id.' : 'Type an item id.');
    setBusy(true);
    setError('');
    try {
      writeRoute('recommend', new window.URLSearchParams({ c: collection, mode, ...(needsId ? { id: id.trim() } : {}) }), o);
      setRes(await api('POST', '/admin/api/recommend', { collection, mode, ...(needsId ? { id: id.trim() } : {}) }));
    } catch (e) {
      setRes(null);
      setError(/** @type {Error} */ (e).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => { if (!needsId || id) run({ push: false }); }, []);

  return html`<div class="screen">
    <form class="toolbar" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); run(); }}>
      <div class="field">
        <label for="rec-mode">Recommend</label>
        <select id="rec-mode" value=${mode} onChange=${(/** @type {any} */ e) => setMode(e.currentTarget.value)}>
          ${MODES.map((m) => html`<option value=${m.id}>${m.label}</option>`)}
        </select>
      </div>
      ${needsId ? html`<div class="field">
        <label for="rec-id">${mode === 'user' ? 'User id' : 'Item id'}</label>
        <input id="rec-id" type="text" size="24" value=${id} onInput=${(/** @type {any} */ e) => setId(e.currentTarget.value)} />
      </div>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Loading…' : 'Show'}</button>
      <p class="muted small summary">As <code>POST /v1/recommend</code> serves it, without logging: a user's profile and seen items apply; a user or item with nothing to compare with falls back on the popular list; trending halves each engagement every 7 days.</p>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="columns">
      <${ResultList} testid="recommend-results" title="Recommendations" collection=${collection} resp=${res} />
    </div>
  </div>`;
}
