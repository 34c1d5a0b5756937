// Query playground: one query, two rankers side by side, rank moves highlighted. State lives in the URL.
import { useEffect, useRef, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';
import { queryParams, writeRoute } from '../url-state.js';
import { QueryBar, hasQuery, queryRequest } from './query-bar.js';
import { RankerSelect, defaultChallenger, rankerParam } from './ranker-select.js';
import { ResultList } from './results.js';
import { FacetSidebar, facetParam, parseFacetParam, toggleFacet } from './facet-sidebar.js';

/**
 * @param {{ collection: string, query: import('./query-bar.js').QueryState, setQuery: (q: any) => void, params: URLSearchParams,
 *   details: { promotedModel: string | null } }} p
 */
export function Playground({ collection, query, setQuery, params, details }) {
  const promoted = details.promotedModel;
  const [left, setLeft] = useState(() => rankerParam(params.get('left'), 'rrf', promoted));
  const [right, setRight] = useState(() => rankerParam(params.get('right'), defaultChallenger(promoted), promoted));
  // As `chorus search --sort` takes it: "year:desc, title". The server parses it (one parser for both).
  const [sort, setSort] = useState(() => params.get('sort') ?? '');
  // Search as you type: each pause in typing runs the query, its last word read as unfinished (the API's `prefix`).
  const [live, setLive] = useState(() => params.get('live') === '1');
  // Values ticked in the facet sidebar (the API's facetFilters).
  const [picked, setPicked] = useState(() => parseFacetParam(params.get('facets')));
  const [res, setRes] = useState(/** @type {{ left: any, right: any, filterNotes?: string[], sort?: { field: string, order: string }[], facets?: Record<string, { value: any, count: number }[]> } | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const seq = useRef(0);

  const run = async (/** @type {{ push?: boolean, picked?: Record<string, any[]> }} */ o = { push: true }) => {
    const selection = o.picked ?? picked;
    if (!hasQuery(query)) return setError('Type a query or pick an image or audio file.');
    setBusy(true);
    setError('');
    // Only the newest request may show its answer (a slow earlier one must not overwrite it).
    const mine = ++seq.current;
    try {
      const p = queryParams(collection, query);
      p.set('left', left);
      p.set('right', right);
      if (sort.trim()) p.set('sort', sort.trim());
      if (live) p.set('live', '1');
      if (facetParam(selection)) p.set('facets', facetParam(selection));
      writeRoute('playground', p, o);
      const r = await api('POST', '/admin/api/compare', {
        ...queryRequest(collection, query),
        left: { fusion: left },
        right: { fusion: right },
        ...(sort.trim() ? { sort: sort.trim() } : {}),
        ...(live ? { prefix: true } : {}),
        ...(Object.keys(selection).length ? { facetFilters: selection } : {}),
      });
      if (mine === seq.current) setRes(r);
    } catch (e) {
      if (mine !== seq.current) return;
      // Results of an earlier query must not stand under an error about this one.
      setRes(null);
      setError(/** @type {Error} */ (e).message);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  };
  // Opened from a link, back/forward or another screen with a query: show its results again.
  useEffect(() => { if (hasQuery(query)) run({ push: false }); }, []);
  useEffect(() => {
    if (!live || !query.text.trim()) return undefined;
    const t = setTimeout(() => run({ push: false }), 200);
    return () => clearTimeout(t);
  }, [live, query.text]);

  const overlap = res ? res.left.hits.filter((/** @type {any} */ h) => res.right.hits.some((/** @type {any} */ o) => o.id === h.id)).length : 0;
  const same = res && res.left.hits.length > 0 && overlap === res.left.hits.length && res.left.hits.every((/** @type {any} */ h, /** @type {number} */ i) => res.right.hits[i]?.id === h.id);
  return html`<div class="screen">
    <${QueryBar} idp="pg" collection=${collection} query=${query} onChange=${setQuery} onRun=${() => run()} busy=${busy} />
    <div class="toolbar">
      <${RankerSelect} id="pg-left" label="Left ranker" value=${left} onChange=${setLeft} promoted=${promoted} />
      <${RankerSelect} id="pg-right" label="Right ranker" value=${right} onChange=${setRight} promoted=${promoted} />
      <div class="field check">
        <label><input type="checkbox" checked=${live} onChange=${(/** @type {any} */ e) => setLive(e.currentTarget.checked)} /> As you type</label>
      </div>
      <div class="field">
        <label for="pg-sort">Sort</label>
        <input id="pg-sort" type="text" size="16" placeholder="relevance (e.g. year:desc)" value=${sort}
          title="payload fields, key by key (FIELD or FIELD:asc|desc, comma-separated); relevance breaks ties"
          onInput=${(/** @type {any} */ e) => setSort(e.currentTarget.value)} onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') run(); }} />
      </div>
      ${res ? html`<p class="muted small summary">Overlap ${overlap}/${res.left.hits.length} · sources: ${res.left.sources.join(', ') || '—'}${same ? ' · both rankers give the same order' : ''}</p>` : null}
      ${res?.sort ? html`<p class="muted small summary" data-testid="sorted-by">Sorted by ${res.sort.map((k) => `${k.field} (${k.order === 'desc' ? 'high to low' : 'low to high'})`).join(', then ')} among each query's candidates; relevance breaks ties, hits without a value come last.</p>` : null}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class=${Object.keys(res?.facets ?? {}).length || Object.keys(picked).length ? 'with-sidebar' : ''}>
      <${FacetSidebar} facets=${res?.facets} selected=${picked} onToggle=${(/** @type {string} */ field, /** @type {any} */ value) => {
        const next = toggleFacet(picked, field, value);
        setPicked(next);
        run({ push: true, picked: next });
      }} />
      <div class="columns">
        <${ResultList} testid="left-results" title="Left" collection=${collection} resp=${res?.left ?? null} other=${res?.right ?? null} empty=${res?.filterNotes} sortKeys=${res?.sort} />
        <${ResultList} testid="right-results" title="Right" collection=${collection} resp=${res?.right ?? null} other=${res?.left ?? null} empty=${res?.filterNotes} sortKeys=${res?.sort} />
      </div>
    </div>
  </div>`;
}
