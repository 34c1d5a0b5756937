// A ranked list as a relevance engineer reads it: thumbnail/audio, title, score, per-source share bars, rank moves.
import { html, fmt, pct, sourceColour } from '../lib.js';

/**
 * @typedef {{ scores: Record<string, number>, shares: Record<string, number>, ranks: Record<string, number>, ranker?: string,
 *   used?: string[], gate?: Record<string, number>, residualShare?: number, baseline?: string, contributions?: Record<string, number> }} Explanation
 * @typedef {{ id: string, score: number, payload: Record<string, any>, media?: { image: boolean, audio: boolean }, explanation: Explanation, highlights?: Record<string, [number, number][]>, snippets?: Record<string, [number, number]>, promoted?: true }} Hit
 * @typedef {{ queryId: string, ranker: { name: string, version: string }, hits: Hit[], sources: string[], notes: string[], timings: Record<string, number> }} Ranked
 */

/** Rankers whose final score is a rank position, not a similarity: shown as ranks, never as negative "scores". */
const RANK_ONLY = new Set(['noop']);

/**
 * The sources this hit's explanation covers: the ones the query used (when the engine says), else the ones that
 * returned the hit or carry a share. Sources the query never touched get no 0% row.
 * @param {Explanation} e
 */
function usedSources(e) {
  const listed = e.used ?? [...new Set([...Object.keys(e.ranks ?? {}), ...Object.entries(e.shares).filter(([, v]) => v > 0).map(([k]) => k)])];
  return listed.filter((s) => s in e.shares || s in (e.contributions ?? {}) || s in (e.ranks ?? {}));
}

/** @param {Explanation} e @param {string} s */
const rankIn = (e, s) => (e.ranks?.[s] === undefined || e.ranks[s] < 0 ? '—' : `#${e.ranks[s] + 1}`);

/** @param {{ hit: Hit }} p */
function ShareBar({ hit }) {
  const e = hit.explanation;
  const used = usedSources(e);
  const contrib = e.contributions;
  // Rank-only fusions: each source's added (non-negative) contribution; everything else: its share of the score.
  const parts = (contrib ? used.map((s) => [s, contrib[s] ?? 0]) : used.map((s) => [s, e.shares[s] ?? 0]))
    .filter(([, v]) => Number(v) > 0)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  const total = parts.reduce((a, [, v]) => a + Number(v), 0);
  const share = (/** @type {number} */ v) => (total > 0 ? v / total : 0);
  const label = parts.map(([s, v]) => `${s} ${(share(Number(v)) * 100).toFixed(0)}%`).join(', ');
  // Used by the query but this item was in none of their lists (a rank says it was, whatever its share).
  const missed = used.filter((s) => !parts.some(([p]) => p === s) && !(e.ranks?.[s] >= 0));
  return html`<div class="sharebar" role="img" aria-label=${`score shares: ${label || 'none'}`}>
    ${parts.map(([s, v]) => html`<span class="seg" style=${{ width: `${(share(Number(v)) * 100).toFixed(1)}%`, background: sourceColour(String(s)) }}
      title=${`${s}: ${contrib ? `adds ${fmt(Number(v), 4)}` : `share ${(Number(v) * 100).toFixed(1)}%, raw ${fmt(e.scores[String(s)])}`}, rank ${rankIn(e, String(s))}`}></span>`)}
  </div>
  <div class="sources" data-testid="sources">
    ${parts.map(([s, v]) => html`<span class="src"><i style=${{ background: sourceColour(String(s)) }}></i>${s} <b>${contrib ? `+${fmt(Number(v), 4)}` : `${(Number(v) * 100).toFixed(0)}%`}</b>
      <span class="muted">${rankIn(e, String(s))}</span></span>`)}
    ${missed.length ? html`<span class="muted" title="used by the query, but this item was not in their lists">not in: ${missed.join(', ')}</span>` : null}
    ${parts.length === 0 ? html`<span class="muted">${hit.promoted && used.length === 0 ? 'promoted by a curation rule: no list found it' : 'no source adds to this score (lowest in every list after normalisation)'}</span>` : null}
  </div>
  ${e.gate ? html`<div class="sources gate" data-testid="gate">
    <span class="muted">gate${e.baseline ? ` over ${e.baseline}` : ''}:</span>
    ${Object.entries(e.gate).sort((a, b) => b[1] - a[1]).map(([s, v]) => html`<span class="src"><i style=${{ background: sourceColour(s) }}></i>${s} <b>${pct(v)}</b></span>`)}
    ${e.residualShare !== undefined ? html`<span class="src" data-testid="residual"><i style=${{ background: sourceColour('residual') }}></i>residual <b>${pct(e.residualShare)}</b></span>` : null}
  </div>` : null}`;
}

/** The final score as the ranker means it: a rank for rank-only rankers, else the number. @param {{ hit: Hit, ranker: string, position: number }} p */
function Score({ hit, ranker, position }) {
  if (RANK_ONLY.has(ranker)) {
    // The list this hit was taken from: the source holding its score (its whole share under no fusion).
    const e = hit.explanation;
    const best = usedSources(e).filter((s) => e.ranks?.[s] >= 0).sort((a, b) => (e.shares[b] ?? 0) - (e.shares[a] ?? 0) || e.ranks[a] - e.ranks[b])[0];
    return html`<span class="score" title="no fusion: the order of the best single list">${best ? `${best} ${rankIn(hit.explanation, best)}` : `#${position + 1}`}</span>`;
  }
  return html`<span class="score" title=${hit.explanation.contributions ? 'rank fusion score: the sum of the contributions below' : 'final score'}>${fmt(hit.score, 4)}</span>`;
}

/**
 * A payload string with the query's matched words in <mark>: text nodes and elements only, never markup from the
 * payload (client data). `spans` are the engine's [start, end) offsets into this very string.
 * @param {{ text: string, spans?: [number, number][] }} p
 */
function Marked({ text, spans }) {
  if (!spans?.length) return text;
  const parts = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at || end > text.length) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(html`<mark>${text.slice(start, end)}</mark>`);
    at = end;
  }
  parts.push(text.slice(at));
  return parts;
}

/**
 * The snippet of a matched text field (not the title, shown above): the window the engine chose, its matches marked.
 * @param {{ hit: Hit }} p
 */
function Snippets({ hit }) {
  const fields = Object.entries(hit.snippets ?? {}).filter(([f]) => f !== 'title');
  if (fields.length === 0) return null;
  return fields.map(([field, [start, end]]) => {
    const text = String(hit.payload?.[field] ?? '');
    /** @type {[number, number][]} */
    const spans = (hit.highlights?.[field] ?? []).filter((s) => s.length === 2 && s[0] >= start && s[1] <= end).map(([a, b]) => [a - start, b - start]);
    return html`<div class="snippet small" data-field=${field}>${start > 0 ? '…' : ''}<${Marked} text=${text.slice(start, end)} spans=${spans} />${end < text.length ? '…' : ''}</div>`;
  });
}

/** A sort field's value as the hit holds it (client data: shown as text, never markup). @param {unknown} v */
function sortShown(v) {
  if (v === undefined || v === null) return '—';
  const s = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? '—' : String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
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

/**
 * Merchandising a hit for the query shown: pin it first (or unpin it), or hide it (the exact curation rule).
 * @param {{ hit: Hit, onCurate: (id: string, action: 'promote' | 'hide' | 'clear') => void }} p
 */
function CurateButtons({ hit, onCurate }) {
  const label = hit.payload?.title ?? hit.id;
  return html`<div class="curate small">
    ${hit.promoted
      ? html`<button type="button" class="link" onClick=${() => onCurate(hit.id, 'clear')} aria-label=${`unpin ${label}`}>Unpin</button>`
      : html`<button type="button" class="link" onClick=${() => onCurate(hit.id, 'promote')} aria-label=${`pin ${label} to the top for this query`} title="to the top, after the items pinned before">Pin</button>`}
    <button type="button" class="link" onClick=${() => onCurate(hit.id, 'hide')} aria-label=${`hide ${label} for this query`}>Hide</button>
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
 * @param {{ title: string, collection: string, resp: Ranked | null, other?: Ranked | null, grades?: Map<string, number>, onGrade?: (id: string, g: number) => void, testid?: string, empty?: string[],
 *   sortKeys?: { field: string }[], onCurate?: (id: string, action: 'promote' | 'hide' | 'clear') => void }} p
 */
export function ResultList({ title, collection, resp, other, grades, onGrade, testid, empty, sortKeys, onCurate }) {
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
    ${resp.hits.length === 0 ? html`<div class="nohits" role="status" data-testid="no-hits"><b>No results.</b>
      ${empty?.length ? html`<ul>${empty.map((n) => html`<li>${n}</li>`)}</ul>` : html`<span class="muted"> Nothing matched this query${resp.notes?.length ? ' (see the notes above)' : ''}. A filter narrows every list: try without it.</span>`}</div>` : null}
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
              <span class="title">${typeof hit.payload?.title === 'string' ? html`<${Marked} text=${hit.payload.title} spans=${hit.highlights?.title} />` : hit.id}</span>
              ${hit.promoted ? html`<span class="badge promoted" title="placed here by the collection's curation rule for this query">promoted</span>` : null}
              ${other ? html`<${Move} delta=${delta} />` : null}
              <${Score} hit=${hit} ranker=${resp.ranker.name} position=${i} />
            </div>
            <div class="meta muted small"><code>${hit.id}</code>${hit.payload?.category ? ` · ${hit.payload.category}` : ''}${hit.payload?.colour ? ` · ${hit.payload.colour}` : ''}
              ${(sortKeys ?? []).map((k) => html` · <span class="sortval" data-field=${k.field}>${k.field} <b>${sortShown(hit.payload?.[k.field])}</b></span>`)}</div>
            <${Snippets} hit=${hit} />
            ${hit.media?.audio ? html`<audio controls preload="none" src=${`/admin/api/media/${encodeURIComponent(collection)}/${encodeURIComponent(hit.id)}/audio`} aria-label=${`audio of ${hit.payload.title ?? hit.id}`}></audio>` : null}
            <${ShareBar} hit=${hit} />
            ${onCurate ? html`<${CurateButtons} hit=${hit} onCurate=${onCurate} />` : null}
            ${onGrade ? html`<${GradeButtons} value=${grades?.get(hit.id)} label=${hit.payload?.title ?? hit.id} onGrade=${(/** @type {number} */ g) => onGrade(hit.id, g)} />` : null}
          </div>
        </li>`;
      })}
    </ol>
  </section>`;
}
