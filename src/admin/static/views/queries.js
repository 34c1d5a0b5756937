// Search analytics: what people search for and what finds nothing, from the logged searches and their clicks. Each
// query opens the tuning screen with it, where synonyms, curations and fusion knobs fix it.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, pct } from '../lib.js';
import { queryParams, routeHref } from '../url-state.js';

const WINDOWS = [1, 7, 30, 90];

/** @param {{ collection: string, params: URLSearchParams }} p */
export function Queries({ collection, params }) {
  const [days, setDays] = useState(() => Number(params.get('days')) || 30);
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api('GET', `/admin/api/queries/${encodeURIComponent(collection)}?days=${days}`).then(setData, (e) => setError(e.message));
  }, [collection, days]);
  const pick = (/** @type {number} */ d) => {
    setDays(d);
    window.history.replaceState(null, '', `#/queries?${new window.URLSearchParams({ c: collection, days: String(d) })}`);
  };
  const tune = (/** @type {string} */ q) => routeHref('tuning', queryParams(collection, { text: q, filter: '', userId: '', limit: 10 }));
  /** @param {{ title: string, testid: string, rows: any[], empty: string }} p */
  const Table = ({ title, testid, rows, empty }) => html`<section class="panel" data-testid=${testid} aria-label=${title}>
    <h3>${title}</h3>
    ${rows.length === 0 ? html`<p class="muted small">${empty}</p>` : html`<table class="table compact">
      <thead><tr><th>Query</th><th class="right">Searches</th><th class="right">No results</th><th class="right" title="only the vectors answered: no BM25 document holds the words">No keyword match</th><th class="right">CTR</th><th class="right" title="mean position of the clicks (1 = first)">Click pos.</th><th class="right" title="searches followed by a purchase">Conversion</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr data-query=${r.query}>
        <td><a href=${tune(r.query)} title="open in fusion tuning">${r.query}</a></td>
        <td class="right">${r.searches}</td>
        <td class=${`right ${r.noResults ? 'bad' : ''}`}>${r.noResults}</td>
        <td class="right">${r.noTextMatch}</td>
        <td class="right">${r.searches > r.noResults ? pct(r.ctr) : '—'}</td>
        <td class="right">${r.clickPosition === null ? '—' : r.clickPosition.toFixed(1)}</td>
        <td class="right">${r.searches > r.noResults ? pct(r.conversionRate) : '—'}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
  return html`<div class="screen">
    <div class="toolbar">
      <label for="qa-days">Window</label>
      <select id="qa-days" value=${days} onChange=${(/** @type {any} */ e) => pick(Number(e.currentTarget.value))}>
        ${WINDOWS.map((d) => html`<option value=${d}>last ${d} day${d === 1 ? '' : 's'}</option>`)}
      </select>
      ${data ? html`<span class="muted small" data-testid="qa-summary">${data.searches} text searches · ${pct(data.noResultRate)} found nothing</span>` : null}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${data ? html`<div class="columns">
      <${Table} title="Top queries" testid="top-queries" rows=${data.top} empty="No text searches logged in this window (the admin playground's searches are not logged)." />
      <${Table} title="Queries without results" testid="no-result-queries" rows=${data.noResults} empty="Every search in this window found something." />
      <${Table} title="Queries without a keyword match" testid="no-text-match-queries" rows=${data.noTextMatch} empty="Every search's words were found in some item (or the collection has no text)." />
      <${Table} title="Lowest click-through" testid="low-ctr-queries" rows=${data.lowCtr} empty="No query was searched with results at least 5 times in this window." />
    </div>` : html`<p class="muted">Loading…</p>`}
  </div>`;
}
