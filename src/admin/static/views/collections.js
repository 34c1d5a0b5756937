// Collections and jobs: items and vectors per modality, index state, recent indexing errors, the queue dashboard.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, when, sourceColour } from '../lib.js';

/** @param {{ onOpen: (name: string) => void }} p */
export function Collections({ onOpen }) {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const load = () => api('GET', '/admin/api/overview').then(setData, (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  if (!data) return html`<div class="screen"><p class="muted">Loading…</p>${error ? html`<p class="error" role="alert">${error}</p>` : null}</div>`;
  return html`<div class="screen">
    <div class="toolbar">
      <p>Job queue: <span class="badge">${data.queues.backend}</span>
        ${data.queues.url ? html` <a href=${data.queues.url}>Open queue dashboard (bull-board) →</a>` : html` <span class="muted small">set REDIS_URL for BullMQ and the bull-board dashboard</span>`}</p>
      ${data.queues.counts ? html`<p class="small" data-testid="job-counts">${Object.entries(data.queues.counts).map(([k, v]) => html`<span class=${`jobcount ${k === 'failed' && v > 0 ? 'bad' : ''}`}>${k} <b>${v}</b></span>`)}</p>` : null}
      <button type="button" onClick=${load}>Refresh</button>
    </div>
    <section class="panel">
      <h3>Collections</h3>
      <table class="table" data-testid="collections-table">
        <thead><tr><th>Name</th><th class="num">Items</th><th>Vectors (items with each)</th><th>Last indexed</th><th>Default ranking</th><th>Model</th><th class="num">Events</th><th class="num">Judged queries</th></tr></thead>
        <tbody>${data.collections.map((/** @type {any} */ c) => html`<tr>
          <td><button type="button" class="link" onClick=${() => onOpen(c.name)}><b>${c.name}</b></button></td>
          <td class="num">${c.total.toLocaleString()}</td>
          <td><div class="chips">${Object.entries(c.vectors).map(([name, v]) => html`<span class="chip" title=${`${v.modality}, ${v.dim} dims`}><i style=${{ background: sourceColour(name) }}></i>${name} <b>${v.count}</b><span class="muted">/${v.dim}d</span></span>`)}</div>
            ${c.sampled ? html`<span class="muted small">counts from the first 20,000 items</span>` : null}</td>
          <td class="small">${when(c.lastIndexedAt)}</td>
          <td>${c.preset ? html`<span class="badge">${c.preset}</span>` : html`<span class="muted small">server config</span>`}</td>
          <td>${c.promotedModel ? html`<span class="badge strong">${c.promotedModel}</span>` : html`<span class="muted small">RRF</span>`}</td>
          <td class="num">${c.events.toLocaleString()}</td>
          <td class="num">${c.judgedQueries}</td>
        </tr>`)}</tbody>
      </table>
      ${data.collections.length === 0 ? html`<p class="muted">No collections yet: <code>chorus index DIR --collection NAME</code>.</p>` : null}
    </section>
    <section class="panel">
      <h3>Recent indexing errors</h3>
      ${data.errors.length === 0 ? html`<p class="muted small">No error reports. <code>chorus index</code> writes one per run with failures.</p>` : html`
      <table class="table" data-testid="errors-table">
        <thead><tr><th>When</th><th>Item</th><th>File</th><th>Code</th><th>Reason</th></tr></thead>
        <tbody>${data.errors.map((/** @type {any} */ e) => html`<tr><td class="small">${when(e.at)}</td><td><code>${e.id ?? '—'}</code></td><td class="small">${e.path ?? '—'}</td><td><span class="status failed">${e.code ?? '—'}</span></td><td class="small">${e.reason ?? ''}</td></tr>`)}</tbody>
      </table>`}
    </section>
  </div>`;
}
