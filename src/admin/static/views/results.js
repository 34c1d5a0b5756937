// A ranked list as a relevance engineer reads it: thumbnail/audio, title, score, per-source share bars, rank moves.
import { html, fmt, sourceColour } from '../lib.js';

/**
 * @typedef {{ id: string, score: number, payload: Record<string, any>, media?: { image: boolean, audio: boolean }, explanation: { scores: Record<string, number>, shares: Record<string, number>, ranks: Record<string, number> } }} Hit
 * @typedef {{ queryId: string, ranker: { name: string, version: string }, hits: Hit[], sources: string[], notes: string[], timings: Record<string, number> }} Ranked
 */

/** @param {{ hit: Hit }} p */
function ShareBar({ hit }) {
  const shares = Object.entries(hit.explanation.shares).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const label = shares.map(([s, v]) => `${s} ${(v * 100).toFixed(0)}%`).join(', ');
  return html`<div class="sharebar" role="img" aria-label=${`score shares: ${label || 'none'}`}>
    ${shares.map(([s, v]) => html`<span class="seg" style=${{ width: `${(v * 100).toFixed(1)}%`, background: sourceColour(s) }} title=${`${s}: share ${(v * 100).toFixed(1)}%, raw ${fmt(hit.explanation.scores[s])}, rank ${(hit.explanation.ranks[s] ?? -1) + 1 || '—'}`}></span>`)}
  </div>
  <div class="sources">
    ${shares.map(([s, v]) => html`<span class="src"><i style=${{ background: sourceColour(s) }}></i>${s} <b>${(v * 100).toFixed(0)}%</b> <span class="muted">${fmt(hit.explanation.scores[s], 2)}</span></span>`)}
  </div>`;
}

/** @param {{ delta: number | null }} p  delta = other rank - this rank (positive = moved up here) */
function Move({ delta }) {
  if (delta === null) return html`<span class="move new" title="not in the other list">new</span>`;
  if (delta === 0) return html`<span class="move same" title="same rank in both lists">=</span>`;
  return delta > 0
    ? html`<span class="move up" title=${`${delta} places higher than in the other list`}>▲${delta}</span>`
    : html`<span class="move down" title=${`${-delta} places lower than in the other list`}>▼${-delta}</span>`;
}

/** @param {{ collection: string, hit: Hit }} p */
function Media({ collection, hit }) {
  const src = hit.media ?? {};
  const base = `/admin/api/media/${encodeURIComponent(collection)}/${encodeURIComponent(hit.id)}`;
  return html`<div class="media">
    ${src.image ? html`<img src=${`${base}/image`} alt=${`image of ${hit.payload.title ?? hit.id}`} loading="lazy" width="56" height="56" />`
      : html`<div class="noimg" aria-hidden="true">${src.audio ? '♪' : 'T'}</div>`}
  </div>`;
}

/** @param {{ value: number | undefined, onGrade: (g: number) => void, label: string }} p */
export function GradeButtons({ value, onGrade, label }) {
  // Radio-group keyboard model: one tab stop (the chosen grade, else 0), arrow keys move and grade.
  const focusable = value ?? 0;
  const onKeyDown = (/** @type {KeyboardEvent} */ e) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowUp' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = Math.min(4, Math.max(0, (value ?? 0) + step));
    onGrade(next);
    const group = /** @type {HTMLElement} */ (e.currentTarget);
    /** @type {HTMLElement | null} */ (group.querySelector(`[data-grade="${next}"]`))?.focus();
  };
  return html`<div class="grades" role="radiogroup" aria-label=${`grade for ${label}`} onKeyDown=${onKeyDown}>
    ${[0, 1, 2, 3, 4].map((g) => html`<button type="button" role="radio" data-grade=${g} aria-checked=${value === g} tabindex=${g === focusable ? 0 : -1}
      class=${`grade g${g} ${value === g ? 'on' : ''}`}
      onClick=${() => onGrade(g)} title=${['0 irrelevant', '1 marginal', '2 relevant', '3 highly relevant', '4 perfect'][g]}>${g}</button>`)}
  </div>`;
}

/**
 * @param {{ title: string, collection: string, resp: Ranked | null, other?: Ranked | null, grades?: Map<string, number>, onGrade?: (id: string, g: number) => void, testid?: string }} p
 */
export function ResultList({ title, collection, resp, other, grades, onGrade, testid }) {
  if (!resp) return html`<section class="results empty" data-testid=${testid}><h3>${title}</h3><p class="muted">Run a query to see results.</p></section>`;
  const otherRank = new Map((other?.hits ?? []).map((h, i) => [h.id, i]));
  const total = Object.values(resp.timings ?? {}).reduce((a, b) => a + b, 0);
  return html`<section class="results" data-testid=${testid} aria-label=${title}>
    <header class="results-head">
      <h3>${title}</h3>
      <span class="badge">${resp.ranker.name}${resp.ranker.version && resp.ranker.version !== resp.ranker.name ? ` · ${resp.ranker.version}` : ''}</span>
      <span class="muted small">${resp.hits.length} hits · ${total.toFixed(0)} ms</span>
    </header>
    ${resp.notes?.length ? html`<ul class="notes">${resp.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}
    <ol class="hits">
      ${resp.hits.map((hit, i) => {
        const o = otherRank.get(hit.id);
        const delta = other ? (o === undefined ? null : o - i) : 0;
        const changed = other && delta !== 0;
        return html`<li class=${`hit ${changed ? 'changed' : ''}`} data-id=${hit.id}>
          <span class="rank">${i + 1}</span>
          <${Media} collection=${collection} hit=${hit} />
          <div class="body">
            <div class="line1">
              <span class="title">${hit.payload?.title ?? hit.id}</span>
              ${other ? html`<${Move} delta=${delta} />` : null}
              <span class="score" title="final score">${fmt(hit.score, 4)}</span>
            </div>
            <div class="meta muted small"><code>${hit.id}</code>${hit.payload?.category ? ` · ${hit.payload.category}` : ''}${hit.payload?.colour ? ` · ${hit.payload.colour}` : ''}</div>
            ${hit.media?.audio ? html`<audio controls preload="none" src=${`/admin/api/media/${encodeURIComponent(collection)}/${encodeURIComponent(hit.id)}/audio`} aria-label=${`audio of ${hit.payload.title ?? hit.id}`}></audio>` : null}
            <${ShareBar} hit=${hit} />
            ${onGrade ? html`<${GradeButtons} value=${grades?.get(hit.id)} label=${hit.payload?.title ?? hit.id} onGrade=${(/** @type {number} */ g) => onGrade(hit.id, g)} />` : null}
          </div>
        </li>`;
      })}
    </ol>
  </section>`;
}
