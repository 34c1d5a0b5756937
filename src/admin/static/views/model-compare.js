// Candidate vs serving, as the promote dialog shows it: the guard's comparison on held-out queries (with 95%
// intervals) when the server has one, else each model's own validation figures, marked as not comparable.
import { html, fmt } from '../lib.js';

/** @param {{ estimate: number, low?: number, high?: number } | null | undefined} e */
export const interval = (e) =>
  e
    ? html`<b>${fmt(e.estimate)}</b
        >${e.low !== undefined && e.high !== undefined ? html` <span class="muted small">[${fmt(e.low)}, ${fmt(e.high)}]</span>` : null}`
    : html`<span class="muted">—</span>`;

/**
 * The guard's comparison object (GET .../compare, a 409 refusal's details, or a model's heldOut).
 * @param {{ c: any }} p
 */
export function GuardComparison({ c }) {
  const cand = c.candidate;
  const serv = c.serving ?? c.baseline;
  const servName = c.serving ? (c.serving.version ?? c.serving.ranker) : c.baseline?.ranker;
  // Both sides are scored on the same impressions, so the paired difference decides whether the gap may be noise;
  // the two intervals overlapping is the fallback when there is no difference (a paired gap can be clear while the
  // marginal intervals overlap).
  const d = c.difference;
  const noise = d
    ? d.low !== undefined && d.high !== undefined && d.low <= 0 && d.high >= 0
    : cand &&
      serv &&
      cand.low !== undefined &&
      serv.high !== undefined &&
      !(cand.low > serv.high || cand.high < serv.low);
  return html`<table class="table compact" data-testid="comparison">
    <thead>
      <tr>
        <th></th>
        <th>${c.metric ?? 'metric'}</th>
      </tr>
    </thead>
    <tbody>
      <tr>
        <td>Candidate <b>${cand?.version ?? ''}</b></td>
        <td class="num">${interval(cand)}</td>
      </tr>
      <tr>
        <td>Serving <b>${servName ?? '—'}</b></td>
        <td class="num">${interval(serv)}</td>
      </tr>
      ${
        c.difference
          ? html`<tr>
              <td>Difference (candidate − serving)</td>
              <td class="num">${interval(c.difference)}</td>
            </tr>`
          : null
      }
    </tbody>
    <caption class="muted small">
      On the same ${c.queries ?? '?'} held-out
      queries${c.impressions ? ` (${c.impressions} impressions)` : ''}, 95%
      intervals${noise ? (d ? ' — the difference’s interval holds 0: it may be noise' : ' — the intervals overlap: the difference may be noise') : ''}.
      ${c.rule ? html`<br />Guard: ${c.rule}${c.better === false ? ' — not met.' : c.better ? ' — met.' : ''}` : null}
      ${c.better === false && c.outlook?.message
        ? html`<br /><span data-testid="guard-outlook">Outlook: ${c.outlook.message}.</span>`
        : null}
    </caption>
  </table>`;
}

/**
 * Fallback when the server has no guard comparison: each model's recorded validation, said to be on its own slice.
 * @param {{ candidate: any, serving: any, fallback: string }} p
 */
export function MetricsComparison({ candidate, serving, fallback }) {
  const v = (/** @type {any} */ m) => m?.metrics?.validationNdcg10 ?? m?.metrics?.ndcg10;
  return html`<table class="table compact" data-testid="comparison">
    <thead>
      <tr>
        <th></th>
        <th class="num">val. nDCG@10</th>
        <th class="num">validation lists</th>
      </tr>
    </thead>
    <tbody>
      <tr>
        <td>Candidate <b>${candidate.version}</b></td>
        <td class="num">${fmt(v(candidate))}</td>
        <td class="num">${candidate.metrics?.validationLists ?? '—'}</td>
      </tr>
      <tr>
        <td>Serving <b>${serving ? serving.version : fallback}</b></td>
        <td class="num">${serving ? fmt(v(serving)) : '—'}</td>
        <td class="num">${serving?.metrics?.validationLists ?? '—'}</td>
      </tr>
    </tbody>
    <caption class="muted small">
      Each version was validated on its own slice of the logs: these figures are not a like-for-like
      comparison.
    </caption>
  </table>`;
}
