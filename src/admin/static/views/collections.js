// Collections and jobs: items and vectors per modality, the jobs list (start, progress, cancel), a paged item
// browser, recent indexing errors, and the queue dashboard link.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, when, sourceColour, pct } from '../lib.js';
import { Items } from './items.js';

const ACTIVE = new Set(['waiting', 'active', 'delayed']);

/** @param {{ onOpen: (name: string) => void, params: URLSearchParams }} p */
export function Collections({ onOpen, params }) {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [jobs, setJobs] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [browse, setBrowse] = useState(() => params.get('browse') ?? '');
  const [jobName, setJobName] = useState('cf-refresh');
  const [jobCollection, setJobCollection] = useState('');
  const [target, setTarget] = useState('');

  const load = () => api('GET', '/admin/api/overview').then((d) => { setData(d); setJobCollection((c) => c || d.collections[0]?.name || ''); }, (e) => setError(e.message));
  const loadJobs = () => api('GET', '/admin/api/jobs').then(setJobs, (e) => setJobs({ error: e.message }));
  useEffect(() => { load(); loadJobs(); }, []);
  // Poll while a job is waiting or running, so progress and the outcome show without a refresh.
  useEffect(() => {
    if (!jobs?.jobs?.some((/** @type {any} */ j) => ACTIVE.has(j.state))) return undefined;
    const t = setTimeout(loadJobs, 700);
    return () => clearTimeout(t);
  }, [jobs]);

  const start = async () => {
    setError('');
    setStatus('');
    try {
      const payload = jobName === 'reembed-collection' ? { collection: jobCollection, target } : { collection: jobCollection };
      const r = await api('POST', '/admin/api/jobs', { name: jobName, payload });
      setStatus(`Started ${r.id}.`);
      await loadJobs();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const cancel = async (/** @type {string} */ id) => {
    setError('');
    setStatus('');
    try {
      const r = await api('POST', `/admin/api/jobs/${encodeURIComponent(id)}/cancel`);
      setStatus(r.result === 'cancelling' ? `Asked ${id} to stop: it stops at its next progress step.` : r.result === 'finished' ? `${id} had already finished.` : `Cancelled ${id}.`);
      await loadJobs();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const openBrowser = (/** @type {string} */ name) => {
    setBrowse(name);
    const p = new window.URLSearchParams(params);
    p.set('browse', name);
    window.history.replaceState(null, '', `#/collections?${p}`);
  };

  if (!data) return html`<div class="screen"><p class="muted">Loading…</p>${error ? html`<p class="error" role="alert">${error}</p>` : null}</div>`;
  return html`<div class="screen">
    <div class="toolbar">
      <p>Job queue: <span class="badge">${data.queues.backend}</span>
        ${data.queues.url ? html` <a href=${data.queues.url}>Open queue dashboard (bull-board) →</a>` : html` <span class="muted small">set REDIS_URL for BullMQ and the bull-board dashboard</span>`}</p>
      ${jobs?.counts ? html`<p class="small" data-testid="job-counts">${Object.entries(jobs.counts).map(([k, v]) => html`<span class=${`jobcount ${k === 'failed' && v > 0 ? 'bad' : ''}`}>${k} <b>${v}</b></span>`)}</p>` : null}
      <button type="button" onClick=${() => { load(); loadJobs(); }}>Refresh</button>
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <section class="panel">
      <h3>Collections</h3>
      <table class="table" data-testid="collections-table">
        <thead><tr><th>Name</th><th class="num">Items</th><th>Vectors (items with each)</th><th>Last indexed</th><th>Default ranking</th><th>Model</th><th class="num">Events</th><th class="num">Judged queries</th><th></th></tr></thead>
        <tbody>${data.collections.map((/** @type {any} */ c) => html`<tr>
          <td><button type="button" class="link" onClick=${() => onOpen(c.name)} title="open in the playground"><b>${c.name}</b></button></td>
          <td class="num">${c.total.toLocaleString()}</td>
          <td><div class="chips">${Object.entries(c.vectors).map(([name, v]) => html`<span class="chip" title=${`${v.modality}, ${v.dim} dims`}><i style=${{ background: sourceColour(name) }}></i>${name} <b>${v.count}</b><span class="muted">/${v.dim}d</span></span>`)}</div>
            ${c.sampled ? html`<span class="muted small">counts from the first 20,000 items</span>` : null}</td>
          <td class="small">${when(c.lastIndexedAt)}</td>
          <td>${c.preset ? html`<span class="badge">${c.preset}</span>` : html`<span class="muted small">server config</span>`}</td>
          <td>${c.promotedModel ? html`<span class="badge strong">${c.promotedModel}</span>` : html`<span class="muted small">RRF</span>`}</td>
          <td class="num">${c.events.toLocaleString()}</td>
          <td class="num">${c.judgedQueries}</td>
          <td class="right"><button type="button" class="small" onClick=${() => openBrowser(c.name)} aria-label=${`Browse items of ${c.name}`}>Browse items</button></td>
        </tr>`)}</tbody>
      </table>
      ${data.collections.length === 0 ? html`<p class="muted">No collections yet: <code>chorus index DIR --collection NAME</code>.</p>` : null}
    </section>
    <section class="panel" aria-label="Jobs">
      <div class="panel-head"><h3>Jobs</h3>
        <form class="row jobform" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); start(); }}>
          <label for="job-name" class="sr-only">Job</label>
          <select id="job-name" value=${jobName} onChange=${(/** @type {any} */ e) => setJobName(e.currentTarget.value)}>
            <option value="cf-refresh">Refresh collaborative-filtering vectors</option>
            <option value="reembed-collection">Re-embed into a new collection</option>
            <option value="lexical-rebuild">Rebuild the BM25 index from the store</option>
          </select>
          <label for="job-collection" class="sr-only">Job collection</label>
          <select id="job-collection" value=${jobCollection} onChange=${(/** @type {any} */ e) => setJobCollection(e.currentTarget.value)}>
            ${data.collections.map((/** @type {any} */ c) => html`<option value=${c.name}>${c.name}</option>`)}
          </select>
          ${jobName === 'reembed-collection' ? html`<label for="job-target" class="sr-only">Target collection</label>
            <input id="job-target" type="text" placeholder="target collection" value=${target} onInput=${(/** @type {any} */ e) => setTarget(e.currentTarget.value)} />` : null}
          <button type="submit" class="primary" disabled=${!jobCollection || (jobName === 'reembed-collection' && !target.trim())}>Start job</button>
        </form>
      </div>
      ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
      ${jobs?.error ? html`<p class="muted small">${jobs.error}</p>` : !jobs?.jobs?.length ? html`<p class="muted small">No jobs yet.</p>` : html`
      <table class="table" data-testid="jobs-table">
        <thead><tr><th>Job</th><th>State</th><th>Progress</th><th>Added</th><th>Finished</th><th>Result / error</th><th></th></tr></thead>
        <tbody>${jobs.jobs.map((/** @type {any} */ j) => html`<tr data-job=${j.id}>
          <td><b>${j.name}</b> <span class="muted small">${j.payload?.collection ?? ''}${j.payload?.target ? ` → ${j.payload.target}` : ''}</span><div class="muted small"><code>${j.id}</code></div></td>
          <td><span class=${`status ${j.state === 'failed' ? 'failed' : j.state === 'completed' ? 'promoted' : j.state === 'cancelled' ? 'retired' : 'challenger'}`}>${j.state}</span>${j.attempts > 1 ? html` <span class="muted small">${j.attempts} tries</span>` : null}</td>
          <td>${j.progress === null || j.progress === undefined ? html`<span class="muted small">${ACTIVE.has(j.state) ? 'no progress reported' : '—'}</span>`
            : html`<div class="meter" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(j.progress * 100)}><span style=${{ width: pct(j.progress, 1) }}></span></div> <span class="small">${pct(j.progress)}</span>`}</td>
          <td class="small">${when(j.addedAt)}</td><td class="small">${when(j.finishedAt)}</td>
          <td class="small">${j.reason ? html`<span class=${j.state === 'failed' ? 'bad' : 'muted'}>${j.reason}</span>` : j.result ? html`<code class="result">${JSON.stringify(j.result).slice(0, 160)}</code>` : ''}</td>
          <td class="right">${ACTIVE.has(j.state) ? html`<button type="button" class="small" onClick=${() => cancel(j.id)} aria-label=${`Cancel ${j.id}`}>Cancel</button>` : null}</td>
        </tr>`)}</tbody>
      </table>`}
    </section>
    ${browse ? html`<${Items} key=${browse} collection=${browse} onClose=${() => setBrowse('')} />` : null}
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
