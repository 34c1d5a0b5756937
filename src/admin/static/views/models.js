// Model registry: versions with metrics, train (guarded by trainability, with progress), promote through the guard
// and roll back (both confirmed, with what will serve next), interleaving, charts.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, fmt, when } from '../lib.js';
import { ConfirmDialog } from './confirm.js';
import { ModelCharts } from './model-charts.js';
import { GuardComparison, MetricsComparison } from './model-compare.js';

/** @param {any} m */
const ndcgOf = (m) => m.metrics?.validationNdcg10 ?? m.metrics?.ndcg10;
/** @param {any} m */
const ctrOf = (m) => m.metrics?.counterfactual?.ips ?? m.metrics?.counterfactual?.ctr ?? m.metrics?.ctr;
const fallbackName = (/** @type {string} */ f) => (f === 'rrf' ? 'RRF fusion' : `the “${f}” preset`);

/** @param {{ collection: string, refreshDetails: () => void }} p */
export function Models({ collection, refreshDetails }) {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [charts, setCharts] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  /** @type {[any, (d: any) => void]} */
  const [dialog, setDialog] = useState(null);
  const [promoteAfter, setPromoteAfter] = useState(false);

  const load = async () => {
    try {
      const [d, c] = await Promise.all([api('GET', `/admin/api/models/${encodeURIComponent(collection)}`), api('GET', `/admin/api/charts/${encodeURIComponent(collection)}`)]);
      setData(d);
      setCharts(c);
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  useEffect(() => { load(); }, [collection]);
  // Training is a job: poll while it is queued or running.
  useEffect(() => {
    const st = data?.training?.state;
    if (st !== 'queued' && st !== 'running') return undefined;
    const t = setTimeout(load, 1000);
    return () => clearTimeout(t);
  }, [data]);

  const post = async (/** @type {string} */ path, /** @type {any} */ body) => {
    setError('');
    setStatus('');
    const r = await api('POST', path, body);
    await load();
    refreshDetails();
    return r;
  };
  const base = `/admin/api/models/${encodeURIComponent(collection)}`;
  const train = async () => {
    try { await post(`${base}/train`, { promote: promoteAfter }); } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const cancelTraining = async (/** @type {string} */ jobId) => {
    try { await post(`${base}/train/${encodeURIComponent(jobId)}/cancel`); } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  /** Opens the promote dialog and fetches the guard's comparison (absent on servers without the guard). @param {any} m */
  const askPromote = async (m) => {
    setDialog({ kind: 'promote', model: m, comparison: m.heldOut ?? null, refused: null });
    try {
      const c = await api('GET', `${base}/${encodeURIComponent(m.version)}/compare`);
      setDialog((/** @type {any} */ d) => (d?.model === m ? { ...d, comparison: c } : d));
    } catch { /* no guard comparison on this server: the dialog shows the recorded metrics */ }
  };
  const promote = async (/** @type {boolean} */ force) => {
    const v = dialog.model.version;
    try {
      const r = await post(`${base}/${encodeURIComponent(v)}/promote`, { force });
      setDialog(null);
      setStatus(r.forced ? `Promoted ${v} over the guard's refusal (forced: recorded in the history).` : `Promoted ${v}.`);
    } catch (e) {
      const err = /** @type {any} */ (e);
      if (err.code === 'PROMOTION_REFUSED') setDialog({ ...dialog, refused: { message: err.message, details: err.details }, comparison: err.details ?? dialog.comparison });
      else { setDialog(null); setError(err.message); }
    }
  };
  const rollback = async () => {
    try {
      const r = await post(`${base}/rollback`);
      setDialog(null);
      setStatus(r.to ? `Rolled back to ${r.to}.` : `Rolled back: no model serves now; ${fallbackName(data.fallback)} ranks every search.`);
    } catch (e) { setDialog(null); setError(/** @type {Error} */ (e).message); }
  };
  const challenge = async (/** @type {string | null} */ version) => {
    setError('');
    try {
      await api('PUT', `${base}/challenger`, { version });
      setStatus(version ? `Interleaving ${version} with the promoted model on ${Math.round(data.interleaveShare * 100)}% of its traffic.` : 'Interleaving stopped.');
      await load();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  if (!data) return html`<div class="screen"><p class="muted">Loading models…</p>${error ? html`<p class="error" role="alert">${error}</p>` : null}</div>`;
  const promoted = data.models.find((/** @type {any} */ m) => m.status === 'promoted');
  const tr = data.training;
  const running = tr && (tr.state === 'queued' || tr.state === 'running');
  const t = data.trainability;
  const blocked = !data.canTrain ? 'training needs the model registry (chorus serve)' : t && !t.ready ? t.reason : '';
  const share = data.interleaveShare ?? 0;
  const rb = data.rollback;
  return html`<div class="screen">
    <div class="toolbar">
      <p>Serving: <span class="badge strong" data-testid="promoted">${promoted ? promoted.version : `no model (${data.fallback === 'rrf' ? 'RRF fallback' : `${data.fallback} preset`})`}</span></p>
      <button type="button" class="primary" disabled=${Boolean(blocked) || running} onClick=${train} aria-describedby="train-why"
        title=${blocked || 'fit the fusion reranker on the logged feedback'}>Train new version</button>
      <label class="small" title="once registered, the new version goes through the promotion guard; a refusal leaves it registered, not serving">
        <input type="checkbox" checked=${promoteAfter} disabled=${Boolean(blocked) || running} onChange=${(/** @type {any} */ e) => setPromoteAfter(e.target.checked)} /> then promote if the guard agrees</label>
      <button type="button" disabled=${!rb} onClick=${() => setDialog({ kind: 'rollback' })}>Roll back</button>
      ${tr ? html`<div class="progress" role="status" aria-live="polite" data-testid="training">
        <span class=${`step ${tr.state !== 'queued' ? 'done' : 'on'}`}>queued</span>
        <span class=${`step ${tr.state === 'running' ? 'on' : tr.state === 'queued' ? '' : 'done'}`}>training</span>
        <span class=${`step ${tr.state === 'succeeded' ? 'done' : tr.state === 'failed' || tr.state === 'cancelled' ? 'bad' : ''}`}>${tr.state === 'failed' || tr.state === 'cancelled' ? tr.state : 'registered'}</span>
        <span class=${`small ${tr.state === 'failed' ? 'bad' : 'muted'}`}>${tr.state === 'succeeded' ? `${tr.result?.version} in ${((tr.finishedAt - (tr.startedAt ?? tr.createdAt)) / 1000).toFixed(1)} s`
          : tr.state === 'failed' ? tr.error?.message ?? 'training failed' : tr.state === 'cancelled' ? 'cancelled: nothing was registered' : 'fitting on the click log…'}</span>
        ${running ? html`<button type="button" class="small" onClick=${() => cancelTraining(tr.jobId)}>Cancel training</button>` : null}
      </div>` : null}
      ${status ? html`<span class="ok small" role="status" data-testid="models-status">${status}</span>` : null}
    </div>
    ${tr?.state === 'succeeded' && tr.promotion ? html`<${TrainingPromotion} p=${tr.promotion} version=${tr.result?.version} />` : null}
    <p class=${`small trainability ${blocked ? 'warn' : 'muted'}`} id="train-why" data-testid="trainability">
      ${t ? html`Training data: <b>${t.impressionsWithFeatures}</b> logged impressions with feature rows, <b>${t.clickedImpressions}</b> with a click (needs ${t.minClickedImpressions}).` : null}
      ${blocked ? html` <b>Train is unavailable:</b> ${blocked}.` : null}</p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <section class="panel">
      <h3>Versions</h3>
      ${data.models.length === 0 ? html`<p class="muted">No trained versions yet. Log impressions and clicks, then train.</p>` : html`
      <table class="table" data-testid="models-table">
        <thead><tr><th>Version</th><th>Status</th><th>Created</th><th class="num" title="each version on its own validation slice: not comparable across versions">val. nDCG@10 (own slice)</th><th class="num" title="counterfactual (clipped IPS) clicks per list on held-out logs">IPS clicks / list</th><th class="num">train lists</th><th>Propensities</th><th>Notes</th><th></th></tr></thead>
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
            ${data.canInterleave && promoted && share > 0 ? (data.challenger === m.version
              ? html`<button type="button" class="small" onClick=${() => challenge(null)} aria-label=${`Stop interleaving ${m.version}`}>Stop interleaving</button>`
              : html`<button type="button" class="small" onClick=${() => challenge(m.version)} aria-label=${`Interleave ${m.version}`}>Interleave</button>`) : null}
            <button type="button" class="small" onClick=${() => askPromote(m)} aria-label=${`Promote ${m.version}`}>Promote</button>`}</td>
        </tr>`)}</tbody>
      </table>`}
    </section>
    <${ModelCharts} charts=${charts} models=${data.models} />
    <div class="split">
      <section class="panel">
        <h3>Interleaving <span class="muted small">team-draft, ${Math.round(share * 100)}% of model traffic${data.challenger ? ` · challenger ${data.challenger}` : ''}</span></h3>
        ${share === 0 ? html`<p class="muted small" data-testid="interleave-off">Interleaving is off: set <code>search.interleaveShare</code> (0..1) in the config, then pick a challenger.</p>` : null}
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
        <table class="table compact"><tbody>${data.history.map((/** @type {any} */ h) => html`<tr><td class="small">${when(h.at)}</td><td>${h.action}${h.forced ? html` <span class="badge warn">forced</span>` : null}</td><td><b>${h.version ?? '—'}</b></td><td class="muted small">${h.previous ? `was ${h.previous}` : ''}</td></tr>`)}</tbody></table>`}
      </section>
    </div>
    ${dialog?.kind === 'promote' ? html`<${ConfirmDialog} title=${`Promote ${dialog.model.version}?`} confirmLabel=${`Promote ${dialog.model.version}`}
        onConfirm=${() => promote(false)} onCancel=${() => setDialog(null)}
        extra=${dialog.refused ? html`<button type="button" class="danger" onClick=${() => promote(true)}>Promote anyway (override the guard)</button>` : null}>
      <p>${dialog.model.version} will rank every search of <b>${collection}</b> that uses the default ranking, replacing ${promoted ? html`<b>${promoted.version}</b>` : fallbackName(data.fallback)}.</p>
      ${dialog.comparison ? html`<${GuardComparison} c=${dialog.comparison} />` : html`<${MetricsComparison} candidate=${dialog.model} serving=${promoted} fallback=${fallbackName(data.fallback)} />`}
      ${dialog.refused ? html`<p class="error" role="alert" data-testid="guard-refused"><b>The promotion guard refused:</b> ${dialog.refused.message}. Overriding it is recorded as forced in the history.</p>` : null}
    </${ConfirmDialog}>` : null}
    ${dialog?.kind === 'rollback' && rb ? html`<${ConfirmDialog} title=${`Roll back ${rb.from}?`} danger=${!rb.to} confirmLabel=${rb.to ? `Roll back to ${rb.to}` : 'Turn the model off'}
        onConfirm=${rollback} onCancel=${() => setDialog(null)}>
      ${rb.to ? html`<p data-testid="rollback-plan">${rb.from} stops serving; <b>${rb.to}</b>, the version promoted before it, serves again.</p>`
        : html`<p data-testid="rollback-plan"><b>${rb.from} is the first promoted version:</b> rolling back turns the learned model off, and ${fallbackName(data.fallback)} ranks every search of ${collection}.</p>`}
    </${ConfirmDialog}>` : null}
  </div>`;
}

/**
 * How a train-and-promote job ended: promoted (maybe forced), or registered but refused by the guard, with the
 * guard's held-out comparison so the refusal can be judged (and overridden from the Promote button).
 * @param {{ p: any, version: string | undefined }} props
 */
function TrainingPromotion({ p, version }) {
  if (p.promoted)
    return html`<p class="ok small" role="status" data-testid="training-promotion">
      <b>${version}</b> was promoted by the guard${p.forced ? ' (forced: recorded in the history)' : ''}${p.previous ? `, replacing ${p.previous}` : ''}.</p>`;
  return html`<div class="panel refused" role="alert" data-testid="training-promotion">
    <p><b>${version} was registered but not promoted:</b> ${p.message}. What served before still serves; Promote ${version} below can override the guard (recorded as forced).</p>
    ${p.comparison ? html`<${GuardComparison} c=${p.comparison} />` : null}
  </div>`;
}
