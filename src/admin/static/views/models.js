// Model registry: versions with metrics, train (with progress), promote, roll back, interleaving, charts.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, fmt, when } from '../lib.js';
import { Chart } from './chart.js';

/** @param {any} m */
const ndcgOf = (m) => m.metrics?.validationNdcg10 ?? m.metrics?.ndcg10;
/** @param {any} m */
const ctrOf = (m) => m.metrics?.counterfactual?.ips ?? m.metrics?.counterfactual?.ctr ?? m.metrics?.ctr;

/** @param {{ collection: string }} p */
export function Models({ collection }) {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [charts, setCharts] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');

  const load = async () => {
    try {
      const [d, c] = await Promise.all([api('GET', `/admin/api/models/${encodeURIComponent(collection)}`), api('GET', `/admin/api/charts/${encodeURIComponent(collection)}`)]);
      setData(d);
      setCharts(c);
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  useEffect(() => { load(); }, [collection]);
  // Poll while a training run is queued or running.
  useEffect(() => {
    const st = data?.training?.state;
    if (st !== 'queued' && st !== 'training') return undefined;
    const t = setTimeout(load, 1000);
    return () => clearTimeout(t);
  }, [data]);

  const act = async (/** @type {string} */ label, /** @type {string} */ path) => {
    setError('');
    try {
      await api('POST', path);
      setStatus(label);
      await load();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  const challenge = async (/** @type {string | null} */ version) => {
    setError('');
    try {
      await api('PUT', `/admin/api/models/${encodeURIComponent(collection)}/challenger`, { version });
      setStatus(version ? `Interleaving ${version} with the promoted model.` : 'Interleaving stopped.');
      await load();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  if (!data) return html`<div class="screen"><p class="muted">Loading models…</p>${error ? html`<p class="error" role="alert">${error}</p>` : null}</div>`;
  const promoted = data.models.find((/** @type {any} */ m) => m.status === 'promoted');
  const tr = data.training;
  const running = tr && (tr.state === 'queued' || tr.state === 'training');
  const pb = charts?.positionBias;
  return html`<div class="screen">
    <div class="toolbar">
      <p>Serving: <span class="badge strong" data-testid="promoted">${promoted ? promoted.version : 'no model (RRF fallback)'}</span></p>
      <button type="button" class="primary" disabled=${!data.canTrain || running} onClick=${() => act('Training started.', `/admin/api/models/${encodeURIComponent(collection)}/train`)}
        title=${data.canTrain ? 'fit the fusion reranker on the logged feedback' : 'training needs the model registry (chorus serve)'}>Train new version</button>
      <button type="button" disabled=${!promoted} onClick=${() => act('Rolled back.', `/admin/api/models/${encodeURIComponent(collection)}/rollback`)}>Roll back</button>
      ${tr ? html`<div class="progress" role="status" aria-live="polite" data-testid="training">
        <span class=${`step ${tr.state !== 'queued' ? 'done' : 'on'}`}>queued</span>
        <span class=${`step ${tr.state === 'training' ? 'on' : tr.state === 'done' || tr.state === 'failed' ? 'done' : ''}`}>training</span>
        <span class=${`step ${tr.state === 'done' ? 'done' : tr.state === 'failed' ? 'bad' : ''}`}>${tr.state === 'failed' ? 'failed' : 'registered'}</span>
        <span class="muted small">${tr.state === 'done' ? `${tr.version} in ${((tr.finishedAt - tr.startedAt) / 1000).toFixed(1)} s` : tr.state === 'failed' ? tr.error : 'fitting on the click log…'}</span>
      </div>` : null}
      ${status ? html`<span class="ok small" role="status">${status}</span>` : null}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <section class="panel">
      <h3>Versions</h3>
      ${data.models.length === 0 ? html`<p class="muted">No trained versions yet. Log impressions and clicks, then train.</p>` : html`
      <table class="table" data-testid="models-table">
        <thead><tr><th>Version</th><th>Status</th><th>Created</th><th class="num">val. nDCG@10</th><th class="num" title="counterfactual (clipped IPS) clicks per list on held-out logs">IPS clicks / list</th><th class="num">train lists</th><th>Propensities</th><th>Notes</th><th></th></tr></thead>
        <tbody>${data.models.map((/** @type {any} */ m) => html`<tr data-version=${m.version}>
          <td><b>${m.version}</b></td>
          <td><span class=${`status ${m.status}`}>${m.status}</span>${data.challenger === m.version ? html` <span class="status challenger">challenger</span>` : null}</td>
          <td class="small">${when(m.createdAt)}</td>
          <td class="num">${fmt(ndcgOf(m))}</td>
          <td class="num">${fmt(ctrOf(m))}</td>
          <td class="num">${m.metrics?.trainLists ?? '—'}</td>
          <td class="small">${m.metrics?.propensitySource ?? '—'}</td>
          <td class="small muted">${m.notes ?? ''}</td>
          <td class="right actions">${m.status === 'promoted' ? null : html`
            ${data.canInterleave && promoted ? (data.challenger === m.version
              ? html`<button type="button" class="small" onClick=${() => challenge(null)} aria-label=${`Stop interleaving ${m.version}`}>Stop interleaving</button>`
              : html`<button type="button" class="small" onClick=${() => challenge(m.version)} aria-label=${`Interleave ${m.version}`}>Interleave</button>`) : null}
            <button type="button" class="small" onClick=${() => act(`Promoted ${m.version}.`, `/admin/api/models/${encodeURIComponent(collection)}/${encodeURIComponent(m.version)}/promote`)} aria-label=${`Promote ${m.version}`}>Promote</button>`}</td>
        </tr>`)}</tbody>
      </table>`}
    </section>
    <div class="grid3">
      <section class="panel"><${Chart} testid="chart-ctr" title="Click-through rate per day (lists with a click)" data=${charts ? [charts.ctr.t, charts.ctr.ctr] : [[]]}
        xLabel="day" series=${[{ label: 'CTR', stroke: '#2f6fdb' }]} empty="No impressions logged yet." /></section>
      <section class="panel"><${Chart} testid="chart-ndcg" title="Offline nDCG@10 per version, oldest first" xTime=${false} xLabel="version"
        data=${charts ? [charts.ndcg.versions.map((/** @type {string} */ _v, /** @type {number} */ i) => i + 1), charts.ndcg.ndcg] : [[]]}
        xValues=${(/** @type {number} */ x) => (Number.isInteger(x) ? (charts?.ndcg.versions[x - 1] ?? '') : '')}
        series=${[{ label: 'validation nDCG@10', stroke: '#1f9e89' }]} empty="No versions with metrics yet." /></section>
      <section class="panel"><${Chart} testid="chart-bias" title=${`Position bias (${pb?.source === 'model' ? 'promoted model’s propensities' : pb?.source === 'em' ? 'click-model EM on the logs' : 'not enough clicks'})`}
        xTime=${false} xLabel="position" data=${pb && pb.estimated.length ? [pb.positions.slice(0, pb.estimated.length), pb.estimated, pb.rawCtr.slice(0, pb.estimated.length)] : [[]]}
        series=${[{ label: 'examination (rel.)', stroke: '#d9822b' }, { label: 'raw CTR', stroke: '#737373', dash: [4, 4] }]} empty="Needs impressions with clicks." /></section>
    </div>
    <div class="split">
      <section class="panel">
        <h3>Interleaving <span class="muted small">team-draft, ${Math.round((data.interleaveShare ?? 0) * 100)}% of model traffic${data.challenger ? ` · challenger ${data.challenger}` : ''}</span></h3>
        ${(data.interleaveShare ?? 0) === 0 ? html`<p class="muted small">Interleaving is off: set <code>search.interleaveShare</code> (0..1) in the config, then pick a challenger.</p>` : null}
        ${data.interleaving.length === 0 ? html`<p class="muted small">No interleaved impressions with clicks yet.</p>` : html`
        <table class="table" data-testid="interleaving-table"><thead><tr><th>A (promoted)</th><th>B (challenger)</th><th class="num">A wins</th><th class="num">B wins</th><th class="num">ties</th><th>A win rate</th></tr></thead>
          <tbody>${data.interleaving.map((/** @type {any} */ r) => html`<tr>
            <td><b>${r.a}</b></td><td><b>${r.b}</b></td><td class="num">${r.winsA}</td><td class="num">${r.winsB}</td><td class="num">${r.ties}</td>
            <td><div class="winbar" role="img" aria-label=${`A wins ${(r.winRateA * 100).toFixed(0)}% of decided impressions`}><span style=${{ width: `${(r.winRateA * 100).toFixed(1)}%` }}></span></div>
              <span class="small">${(r.winRateA * 100).toFixed(1)}%</span></td>
          </tr>`)}</tbody></table>`}
      </section>
      <section class="panel">
        <h3>History</h3>
        ${data.history.length === 0 ? html`<p class="muted small">No registry actions yet.</p>` : html`
        <table class="table compact"><tbody>${data.history.map((/** @type {any} */ h) => html`<tr><td class="small">${when(h.at)}</td><td>${h.action}</td><td><b>${h.version ?? '—'}</b></td><td class="muted small">${h.previous ? `was ${h.previous}` : ''}</td></tr>`)}</tbody></table>`}
      </section>
    </div>
  </div>`;
}
