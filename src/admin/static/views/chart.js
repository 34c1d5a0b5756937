// A small uPlot wrapper: draws on mount and whenever the data change, sized to its container.
import { useEffect, useRef } from '/admin/vendor/hooks.mjs';
import uPlot from '/admin/vendor/uplot.mjs';
import { html } from '../lib.js';

/**
 * @param {{ title: string, data: (number | null)[][], series: { label: string, stroke: string, dash?: number[], points?: boolean, noLine?: boolean }[], xTime?: boolean, xLabel?: string, yLabel?: string, xValues?: (x: number) => string, yValues?: (y: number) => string, yRange?: [number, number], empty?: string, testid?: string, note?: string }} p
 */
export function Chart({ title, data, series, xTime = true, xLabel, yLabel, xValues, yValues, yRange, empty, testid, note }) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  const hasData = (data[0]?.length ?? 0) > 0;
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasData) return undefined;
    const xs = /** @type {number[]} */ (data[0]);
    // A single point would give a zero-width x range: pad it so the point sits mid-chart.
    const pad = xTime ? 86400 : 1;
    const xRange = xs.length === 1 ? [xs[0] - pad, xs[0] + pad] : [Math.min(...xs), Math.max(...xs)];
    const plot = new uPlot(
      {
        width: Math.max(260, el.clientWidth),
        height: 200,
        // A fixed y range (e.g. 0–100% for a rate) keeps the scale from jumping between loads.
        scales: { x: { time: xTime, auto: false, range: /** @type {[number, number]} */ (xRange) }, ...(yRange ? { y: { auto: false, range: yRange } } : {}) },
        axes: [
          { label: xLabel, stroke: '#525252', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, ...(xValues ? { values: (_u, splits) => splits.map(xValues), incrs: [1] } : {}) },
          { label: yLabel, stroke: '#525252', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, size: 48, ...(yValues ? { values: (_u, splits) => splits.map(yValues) } : {}) },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, dash: s.dash, spanGaps: true, points: { show: s.points ?? true, size: 6 },
          // Points only: values that are not one series over x (e.g. versions measured on different slices) get no joining line.
          ...(s.noLine ? { paths: () => null } : {}),
          ...(yValues ? { value: (/** @type {any} */ _u, /** @type {number | null} */ v) => (v === null || v === undefined ? '—' : yValues(v)) } : {}) }))],
        // With a value formatter the legend follows the cursor, so a hovered point reads in the axis' unit.
        legend: { show: true, live: Boolean(yValues) },
        // The drawn y scale, for readers of the page (and the tests): a fixed range must not move between loads.
        hooks: { draw: [(/** @type {any} */ u) => { el.dataset.yMin = String(u.scales.y.min); el.dataset.yMax = String(u.scales.y.max); }] },
      },
      /** @type {any} */ (data),
      el,
    );
    return () => plot.destroy();
  }, [JSON.stringify(data), hasData]);
  return html`<figure class="chart" data-testid=${testid}>
    <figcaption>${title}</figcaption>
    ${note ? html`<p class="muted small chart-note">${note}</p>` : null}
    ${hasData ? html`<div ref=${ref} class="plot" role="img" aria-label=${title}></div>` : html`<p class="muted small">${empty ?? 'No data yet.'}</p>`}
  </figure>`;
}
