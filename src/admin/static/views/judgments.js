// Judgments: grade the pooled results of two rankers 0-4 for text, image or audio queries, list every judged query
// with its grades, and compare the rankers offline on all of them.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, fmt, fileToBase64 } from '../lib.js';
import { writeRoute } from '../url-state.js';
import { RankerSelect, defaultChallenger, rankerParam } from './ranker-select.js';
import { GradeButtons } from './results.js';

/** @param {{ value: number }} p */
const Delta = ({ value }) => html`<span class=${`delta ${value > 1e-9 ? 'up' : value < -1e-9 ? 'down' : ''}`}>${value > 0 ? '+' : ''}${fmt(value)}</span>`;
const KIND_ICON = { text: 'T', image: '▣', audio: '♪' };

/** @typedef {{ query: string, kind: 'text' | 'image' | 'audio', label: string, media?: { type: string, data: string } }} JudgedQuery */

/** @param {string} collection @param {string} query */
const mediaUrl = (collection, query) => `/admin/api/judgments/media?collection=${encodeURIComponent(collection)}&query=${encodeURIComponent(query)}`;

/** @param {string} url @returns {Promise<{ type: string, data: string }>} */
async function fetchMedia(url) {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`could not load the stored query media (${r.status})`);
  const blob = await r.blob();
  return { type: blob.type, data: await fileToBase64(/** @type {File} */ (blob)) };
}

/** @param {{ grades: number[] }} p */
const GradeCounts = ({ grades }) => html`<span class="gradecounts" aria-label=${`grades: ${grades.map((n, g) => `${n}×${g}`).join(', ')}`}>
  ${grades.map((n, g) => (n ? html`<span class=${`gc g${g}`} title=${`${n} graded ${g}`}>${g}<sub>×${n}</sub></span>` : null))}</span>`;

/** @param {{ collection: string, params: URLSearchParams, details: { promotedModel: string | null } }} p */
export function Judgments({ collection, params, details }) {
  const promoted = details.promotedModel;
  const [text, setText] = useState('');
  const [file, setFile] = useState(/** @type {{ kind: 'image' | 'audio', name: string, type: string, data: string } | null} */ (null));
  const [a, setA] = useState(() => rankerParam(params.get('a'), 'rrf', promoted));
  const [b, setB] = useState(() => rankerParam(params.get('b'), defaultChallenger(promoted), promoted));
  const [pool, setPool] = useState(/** @type {{ id: string, payload: any, media?: { image: boolean, audio: boolean }, ra: number | null, rb: number | null }[]} */ ([]));
  const [pooled, setPooled] = useState(/** @type {JudgedQuery | null} */ (null));
  const [grades, setGrades] = useState(/** @type {Map<string, number>} */ (new Map()));
  const [queries, setQueries] = useState(/** @type {{ query: string, kind: string, label: string, judged: number, grades: number[] }[]} */ ([]));
  const [evalRes, setEvalRes] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const [picked, setPicked] = useState(0);

  const loadJudged = async (/** @type {string} */ q) => {
    const r = await api('GET', `/admin/api/judgments?collection=${encodeURIComponent(collection)}&query=${encodeURIComponent(q)}`);
    setGrades(new Map(r.judgments.map((/** @type {any} */ j) => [j.itemId, j.grade])));
    setQueries(r.queries);
  };
  const evaluate = async () => {
    try {
      setEvalRes(await api('POST', '/admin/api/eval', { collection, k: 10, left: { fusion: a }, right: { fusion: b } }));
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  /** Pools both rankers' top 10 for a judged query (TREC-style), so either can be scored fairly. @param {JudgedQuery} jq */
  const loadPool = async (jq) => {
    setError('');
    try {
      const body = { collection, limit: 10, left: { fusion: a }, right: { fusion: b }, ...(jq.media ? { [jq.kind]: jq.media.data } : { text: jq.query }) };
      const r = await api('POST', '/admin/api/compare', body);
      const byId = new Map();
      r.left.hits.forEach((/** @type {any} */ h, /** @type {number} */ i) => byId.set(h.id, { id: h.id, payload: h.payload, media: h.media, ra: i + 1, rb: null }));
      r.right.hits.forEach((/** @type {any} */ h, /** @type {number} */ i) => {
        const row = byId.get(h.id) ?? { id: h.id, payload: h.payload, media: h.media, ra: null, rb: null };
        row.rb = i + 1;
        byId.set(h.id, row);
      });
      setPool([...byId.values()]);
      setPooled(jq);
      writeRoute('judgments', new window.URLSearchParams({ c: collection, jq: jq.query, a, b }), { push: true });
      await loadJudged(jq.query);
    } catch (e) {
      setPool([]);
      setPooled(null);
      setError(/** @type {Error} */ (e).message);
    }
  };

  /** Opens a judged query from the list (a media query's bytes come back from the server). @param {{ query: string, kind: string, label: string }} q */
  const openJudged = async (q) => {
    try {
      const media = q.kind === 'text' ? undefined : await fetchMedia(mediaUrl(collection, q.query));
      await loadPool({ query: q.query, kind: /** @type {any} */ (q.kind), label: q.label, media });
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  const submit = async () => {
    setError('');
    if (file) {
      try {
        const saved = await api('POST', '/admin/api/judgments/media-query', { collection, kind: file.kind, name: file.name, type: file.type, data: file.data });
        await loadPool({ query: saved.query, kind: file.kind, label: saved.label, media: { type: file.type, data: file.data } });
      } catch (e) { setError(/** @type {Error} */ (e).message); }
    } else if (text.trim()) await loadPool({ query: text.trim(), kind: 'text', label: text.trim() });
    else setError('Type a query, or pick an image or audio file to judge.');
  };

  const pick = (/** @type {'image' | 'audio'} */ kind) => async (/** @type {Event} */ e) => {
    const f = /** @type {HTMLInputElement} */ (e.currentTarget).files?.[0];
    if (!f) return;
    setFile({ kind, name: f.name, type: f.type || (kind === 'image' ? 'image/jpeg' : 'audio/wav'), data: await fileToBase64(f) });
    setText('');
  };

  useEffect(() => {
    api('GET', `/admin/api/judgments?collection=${encodeURIComponent(collection)}`).then((r) => {
      setQueries(r.queries);
      // A link to a judged query opens its pool again.
      const jq = params.get('jq');
      const known = jq ? r.queries.find((/** @type {any} */ q) => q.query === jq) : undefined;
      if (known) openJudged(known);
      else if (jq && !/^(image|audio):/.test(jq)) loadPool({ query: jq, kind: 'text', label: jq });
    }, (e) => setError(e.message));
  }, [collection]);

  const grade = async (/** @type {string} */ id, /** @type {number} */ g) => {
    if (!pooled) return;
    try {
      await api('PUT', '/admin/api/judgments', { collection, query: pooled.query, itemId: id, grade: g });
      setGrades((prev) => new Map(prev).set(id, g));
      await loadJudged(pooled.query);
      await evaluate();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  const labelOf = (/** @type {string} */ q) => queries.find((x) => x.query === q)?.label ?? q;
  return html`<div class="screen">
    <form class="querybar" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); submit(); }}>
      <div class="field grow">
        <label for="jd-text">Query to judge</label>
        <input id="jd-text" type="search" value=${text} placeholder="a text query" onInput=${(/** @type {any} */ e) => { setText(e.currentTarget.value); if (file) { setFile(null); setPicked((n) => n + 1); } }} />
      </div>
      <div class="field">
        <label for="jd-image">Image query</label>
        <div class="filepick"><input key=${`jdi-${picked}`} id="jd-image" type="file" accept="image/*" onChange=${pick('image')} />
          ${file?.kind === 'image' ? html`<img class="qthumb" src=${`data:${file.type};base64,${file.data}`} alt="" /><span class="filename" data-testid="jd-file-name">${file.name}</span>` : null}</div>
      </div>
      <div class="field">
        <label for="jd-audio">Audio query</label>
        <div class="filepick"><input key=${`jda-${picked}`} id="jd-audio" type="file" accept="audio/*" onChange=${pick('audio')} />
          ${file?.kind === 'audio' ? html`<span class="filename" data-testid="jd-file-name">${file.name}</span><audio class="qaudio" controls src=${`data:${file.type};base64,${file.data}`}></audio>` : null}</div>
      </div>
      ${file ? html`<button type="button" class="link" onClick=${() => { setFile(null); setPicked((n) => n + 1); }} aria-label="Remove the query file">✕</button>` : null}
      <${RankerSelect} id="jd-a" label="Ranker A" value=${a} onChange=${setA} promoted=${promoted} />
      <${RankerSelect} id="jd-b" label="Ranker B" value=${b} onChange=${setB} promoted=${promoted} />
      <button class="primary" type="submit">Pool results</button>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="split judging">
      <section class="panel" aria-label="Judging pool">
        <h3>Pool ${pooled ? html`for <span class="badge" data-testid="pooled-kind">${pooled.kind}</span> <q>${pooled.label}</q>` : ''} <span class="muted small">${pool.length} items · ${[...grades.keys()].length} graded</span></h3>
        ${pooled?.media && pooled.kind === 'image' ? html`<img class="qthumb big" src=${`data:${pooled.media.type};base64,${pooled.media.data}`} alt=${`query image ${pooled.label}`} />` : null}
        ${pooled?.media && pooled.kind === 'audio' ? html`<audio controls src=${`data:${pooled.media.type};base64,${pooled.media.data}`} aria-label=${`query audio ${pooled.label}`}></audio>` : null}
        ${pool.length === 0 ? html`<p class="muted">Pool a text, image or audio query to grade its results: 0 irrelevant … 4 perfect.</p>` : html`
        <table class="table" data-testid="pool">
          <thead><tr><th>Item</th><th class="num">A</th><th class="num">B</th><th>Grade</th></tr></thead>
          <tbody>${pool.map((row) => html`<tr data-id=${row.id}>
            <td><div class="pooled">
              ${row.media?.image ? html`<img src=${`/admin/api/media/${encodeURIComponent(collection)}/${encodeURIComponent(row.id)}/image`} alt="" width="36" height="36" loading="lazy" />` : html`<span class="noimg small" aria-hidden="true">${row.media?.audio ? '♪' : 'T'}</span>`}
              <div><div class="title">${row.payload?.title ?? row.id}</div><div class="muted small"><code>${row.id}</code></div></div>
            </div></td>
            <td class="num">${row.ra ?? '—'}</td><td class="num">${row.rb ?? '—'}</td>
            <td><${GradeButtons} value=${grades.get(row.id)} label=${row.payload?.title ?? row.id} onGrade=${(/** @type {number} */ g) => grade(row.id, g)} /></td>
          </tr>`)}</tbody>
        </table>`}
        <p class="muted small" role="note" data-testid="unjudged-note">Items you leave ungraded count as <b>irrelevant (grade 0)</b> in nDCG, MRR and recall, wherever a ranker puts them;
          the ideal ranking and recall's denominator use only graded items. Grade the whole pool so neither ranker is scored on gaps.</p>
      </section>
      <section class="panel" aria-label="Judged queries">
        <h3>Judged queries <span class="muted small">${queries.length}</span></h3>
        ${queries.length === 0 ? html`<p class="muted small">None yet.</p>` : html`
        <table class="table compact" data-testid="judged-queries">
          <thead><tr><th>Query</th><th class="num">graded</th><th>Grades</th><th></th></tr></thead>
          <tbody>${queries.map((q) => html`<tr data-query=${q.query} class=${pooled?.query === q.query ? 'current' : ''}>
            <td><span class="kind" title=${q.kind}>${KIND_ICON[/** @type {'text'} */ (q.kind)] ?? '?'}</span>
              ${q.kind === 'image' ? html`<img class="qthumb" src=${mediaUrl(collection, q.query)} alt="" />` : null} ${q.label}</td>
            <td class="num">${q.judged}</td><td><${GradeCounts} grades=${q.grades} /></td>
            <td class="right"><button type="button" class="small" onClick=${() => openJudged(q)} aria-label=${`Open ${q.label}`}>Open</button></td>
          </tr>`)}</tbody>
        </table>`}
      </section>
    </div>
    <section class="panel" aria-label="Offline evaluation">
      <div class="panel-head"><h3>Offline evaluation <span class="muted small">@10 on ${queries.length} judged queries (text, image and audio)</span></h3>
        <button type="button" onClick=${evaluate} disabled=${queries.length === 0}>Evaluate A vs B</button></div>
      ${evalRes ? html`
        <div class="kpis" data-testid="eval-summary">
          ${['ndcg', 'mrr', 'recall'].map((m) => html`<div class="kpi">
            <div class="kpi-label">${m === 'ndcg' ? 'nDCG@10' : m === 'mrr' ? 'MRR@10' : 'Recall@10'}</div>
            <div class="kpi-values"><span title="ranker A">A <b data-testid=${`mean-${m}-a`}>${fmt(evalRes.mean.left[m])}</b></span>
            <span title="ranker B">B <b data-testid=${`mean-${m}-b`}>${fmt(evalRes.mean.right[m])}</b></span>
            <${Delta} value=${evalRes.mean.right[m] - evalRes.mean.left[m]} /></div>
          </div>`)}
        </div>
        <table class="table" data-testid="eval-table">
          <thead><tr><th>Query</th><th class="num">judged</th><th class="num">nDCG A</th><th class="num">nDCG B</th><th class="num">Δ</th><th class="num">MRR A</th><th class="num">MRR B</th><th class="num">R@10 A</th><th class="num">R@10 B</th></tr></thead>
          <tbody>${[...evalRes.queries].sort((x, y) => x.delta - y.delta).map((/** @type {any} */ r) => html`<tr>
            <td><span class="kind">${KIND_ICON[/** @type {'text'} */ (r.kind ?? 'text')] ?? '?'}</span> ${r.label ?? labelOf(r.query)}</td><td class="num">${r.judged}</td>
            <td class="num">${fmt(r.left.ndcg)}</td><td class="num">${fmt(r.right.ndcg)}</td><td class="num"><${Delta} value=${r.delta} /></td>
            <td class="num">${fmt(r.left.mrr)}</td><td class="num">${fmt(r.right.mrr)}</td>
            <td class="num">${fmt(r.left.recall)}</td><td class="num">${fmt(r.right.recall)}</td>
          </tr>`)}</tbody>
        </table>` : html`<p class="muted">Grade some results, then evaluate: per-query nDCG, MRR and recall of both rankers, worst regressions first.</p>`}
    </section>
  </div>`;
}
