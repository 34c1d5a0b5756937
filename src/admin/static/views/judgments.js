// Judgments: grade the pooled results of two rankers 0-4 per query, then compare the rankers offline on all judgments.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, fmt } from '../lib.js';
import { RankerSelect } from './ranker-select.js';
import { GradeButtons } from './results.js';

/** @param {{ value: number }} p */
const Delta = ({ value }) => html`<span class=${`delta ${value > 1e-9 ? 'up' : value < -1e-9 ? 'down' : ''}`}>${value > 0 ? '+' : ''}${fmt(value)}</span>`;

/** @param {{ collection: string }} p */
export function Judgments({ collection }) {
  const [text, setText] = useState('');
  const [a, setA] = useState('rrf');
  const [b, setB] = useState('model');
  const [pool, setPool] = useState(/** @type {{ id: string, payload: any, media?: { image: boolean, audio: boolean }, ra: number | null, rb: number | null }[]} */ ([]));
  const [pooledFor, setPooledFor] = useState('');
  const [grades, setGrades] = useState(/** @type {Map<string, number>} */ (new Map()));
  const [queries, setQueries] = useState(/** @type {{ query: string, judged: number }[]} */ ([]));
  const [evalRes, setEvalRes] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');

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
  useEffect(() => {
    api('GET', `/admin/api/judgments?collection=${encodeURIComponent(collection)}`).then((r) => setQueries(r.queries), (e) => setError(e.message));
    setEvalRes(null);
  }, [collection]);

  const loadPool = async (/** @type {string} */ q) => {
    if (!q.trim()) return;
    setError('');
    try {
      const r = await api('POST', '/admin/api/compare', { collection, text: q.trim(), limit: 10, left: { fusion: a }, right: { fusion: b } });
      // TREC-style pooling: the union of both rankers' top 10, so either can be scored fairly.
      const byId = new Map();
      r.left.hits.forEach((/** @type {any} */ h, /** @type {number} */ i) => byId.set(h.id, { id: h.id, payload: h.payload, media: h.media, ra: i + 1, rb: null }));
      r.right.hits.forEach((/** @type {any} */ h, /** @type {number} */ i) => {
        const row = byId.get(h.id) ?? { id: h.id, payload: h.payload, media: h.media, ra: null, rb: null };
        row.rb = i + 1;
        byId.set(h.id, row);
      });
      setPool([...byId.values()]);
      setPooledFor(q.trim());
      await loadJudged(q.trim());
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  const grade = async (/** @type {string} */ id, /** @type {number} */ g) => {
    try {
      await api('PUT', '/admin/api/judgments', { collection, query: pooledFor, itemId: id, grade: g });
      setGrades(new Map(grades).set(id, g));
      await loadJudged(pooledFor);
      await evaluate();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };

  return html`<div class="screen">
    <form class="querybar" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); loadPool(text); }}>
      <div class="field grow">
        <label for="jd-text">Query to judge</label>
        <input id="jd-text" type="search" list="jd-known" value=${text} placeholder="a text query" onInput=${(/** @type {any} */ e) => setText(e.currentTarget.value)} />
        <datalist id="jd-known">${queries.map((q) => html`<option value=${q.query}></option>`)}</datalist>
      </div>
      <${RankerSelect} id="jd-a" label="Ranker A" value=${a} onChange=${setA} />
      <${RankerSelect} id="jd-b" label="Ranker B" value=${b} onChange=${setB} />
      <button class="primary" type="submit">Pool results</button>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="split judging">
      <section class="panel" aria-label="Judging pool">
        <h3>Pool ${pooledFor ? html`for <q>${pooledFor}</q>` : ''} <span class="muted small">${pool.length} items · ${[...grades.keys()].length} graded</span></h3>
        ${pool.length === 0 ? html`<p class="muted">Pool a query to grade its results: 0 irrelevant … 4 perfect.</p>` : html`
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
      </section>
      <section class="panel" aria-label="Offline evaluation">
        <div class="panel-head"><h3>Offline evaluation <span class="muted small">@10 on ${queries.length} judged queries</span></h3>
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
              <td>${r.query}</td><td class="num">${r.judged}</td>
              <td class="num">${fmt(r.left.ndcg)}</td><td class="num">${fmt(r.right.ndcg)}</td><td class="num"><${Delta} value=${r.delta} /></td>
              <td class="num">${fmt(r.left.mrr)}</td><td class="num">${fmt(r.right.mrr)}</td>
              <td class="num">${fmt(r.left.recall)}</td><td class="num">${fmt(r.right.recall)}</td>
            </tr>`)}</tbody>
          </table>` : html`<p class="muted">Grade some results, then evaluate: per-query nDCG, MRR and recall of both rankers, worst regressions first.</p>`}
      </section>
    </div>
  </div>`;
}
