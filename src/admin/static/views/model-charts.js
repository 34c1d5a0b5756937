// The Models screen's charts: CTR per day (in %, fixed 0-100% scale), held-out nDCG per version against its own
// baseline (versions validated on different slices are never joined into one comparable line), position bias.
import { html } from '../lib.js';
import { Chart } from './chart.js';

const percent = (/** @type {number} */ y) => `${Math.round(y * 100)}%`;

/** @param {{ charts: any, models: any[] }} p */
export function ModelCharts({ charts, models }) {
  const pb = charts?.positionBias;
  // Versions whose registry entry carries a held-out comparison (candidate and baseline on the same queries).
  const withHeldOut = [...models]
    .reverse()
    .filter((m) => m.heldOut?.candidate && m.heldOut?.baseline);
  const xs = withHeldOut.map((_m, i) => i + 1);
  return html`<div class="grid3">
    <section class="panel">
      <${Chart}
        testid="chart-ctr"
        title="Click-through rate per day (lists with a click)"
        data=${charts ? [charts.ctr.t, charts.ctr.ctr] : [[]]}
        xLabel="day"
        yLabel="CTR"
        yRange=${[0, 1]}
        yValues=${percent}
        series=${[{ label: 'CTR', stroke: '#2f6fdb' }]}
        empty="No impressions logged yet."
      />
    </section>
    <section class="panel">
      ${
        withHeldOut.length
          ? html`<${Chart}
              testid="chart-ndcg"
              title=${`Held-out ${withHeldOut[0].heldOut.metric ?? 'metric'}: each version vs its baseline on the same queries`}
              xTime=${false}
              xLabel="version"
              data=${[xs, withHeldOut.map((m) => m.heldOut.candidate.estimate), withHeldOut.map((m) => m.heldOut.baseline.estimate)]}
              xValues=${(/** @type {number} */ x) => (Number.isInteger(x) ? (withHeldOut[x - 1]?.version ?? '') : '')}
              note="Each pair is measured on that version's own held-out queries; compare a version with its baseline, not versions with each other."
              series=${[
                { label: 'candidate', stroke: '#1f9e89', noLine: true },
                { label: 'baseline', stroke: '#737373', noLine: true },
              ]}
            />`
          : html`<figure class="chart" data-testid="chart-ndcg">
              <figcaption>Offline nDCG per version</figcaption>
              <p class="muted small" role="note">
                Each version was validated on its own slice of the logs, so their validation nDCG
                values are not comparable and are not charted as a trend. Compare versions on the
                same queries: the promote dialog (held-out comparison) or the Judgments screen.
              </p>
            </figure>`
      }
    </section>
    <section class="panel">
      <${Chart}
        testid="chart-bias"
        title=${`Position bias (${pb?.source === 'model' ? 'promoted model’s propensities' : pb?.source === 'em' ? 'click-model EM on the logs' : 'not enough clicks'})`}
        xTime=${false}
        xLabel="position"
        data=${pb && pb.estimated.length ? [pb.positions.slice(0, pb.estimated.length), pb.estimated, pb.rawCtr.slice(0, pb.estimated.length)] : [[]]}
        series=${[
          { label: 'examination (rel.)', stroke: '#d9822b' },
          { label: 'raw CTR', stroke: '#737373', dash: [4, 4] },
        ]}
        empty="Needs impressions with clicks."
      />
    </section>
  </div>`;
}
