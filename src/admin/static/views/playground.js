// Query playground: one query, two rankers side by side, rank moves highlighted.
import { useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';
import { QueryBar, hasQuery, queryRequest } from './query-bar.js';
import { RankerSelect } from './ranker-select.js';
import { ResultList } from './results.js';

/** @param {{ collection: string, query: import('./query-bar.js').QueryState, setQuery: (q: any) => void }} p */
export function Playground({ collection, query, setQuery }) {
  const [left, setLeft] = useState('rrf');
  const [right, setRight] = useState('model');
  const [res, setRes] = useState(/** @type {{ left: any, right: any } | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const run = async () => {
    if (!hasQuery(query)) return setError('Type a query or pick an image or audio file.');
    setBusy(true);
    setError('');
    try {
      setRes(await api('POST', '/admin/api/compare', { ...queryRequest(collection, query), left: { fusion: left }, right: { fusion: right } }));
    } catch (e) {
      setError(/** @type {Error} */ (e).message);
    } finally {
      setBusy(false);
    }
  };

  const overlap = res ? res.left.hits.filter((/** @type {any} */ h) => res.right.hits.some((/** @type {any} */ o) => o.id === h.id)).length : 0;
  return html`<div class="screen">
    <${QueryBar} idp="pg" query=${query} onChange=${setQuery} onRun=${run} busy=${busy} />
    <div class="toolbar">
      <${RankerSelect} id="pg-left" label="Left ranker" value=${left} onChange=${setLeft} />
      <${RankerSelect} id="pg-right" label="Right ranker" value=${right} onChange=${setRight} />
      ${res ? html`<p class="muted small summary">Overlap ${overlap}/${res.left.hits.length} · sources: ${res.left.sources.join(', ') || '—'}</p>` : null}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="columns">
      <${ResultList} testid="left-results" title="Left" collection=${collection} resp=${res?.left ?? null} other=${res?.right ?? null} />
      <${ResultList} testid="right-results" title="Right" collection=${collection} resp=${res?.right ?? null} other=${res?.left ?? null} />
    </div>
  </div>`;
}
