// Fusion tuning: per-source weights, RRF k and stage-1 depth, re-ranked live against the untuned baseline.
import { useEffect, useMemo, useRef, useState } from '/admin/vendor/hooks.mjs';
import { html, api, debounce, sourceColour } from '../lib.js';
import { queryParams, writeRoute } from '../url-state.js';
import { QueryBar, hasQuery, queryRequest } from './query-bar.js';
import { ResultList } from './results.js';
import { Synonyms } from './synonyms.js';
import { Curations } from './curations.js';
import { FieldWeights } from './field-weights.js';
import { SettingsDocument } from './settings-document.js';
import { SuggestionExclusions } from './suggestion-exclusions.js';

/** @typedef {{ fusion: string, weights: Record<string, number>, rrfK: number, candidates: number }} Knobs */
/** @returns {Knobs} */
const defaultKnobs = () => ({ fusion: 'rrf', weights: {}, rrfK: 60, candidates: 100 });
const FUSIONS = ['rrf', 'weighted', 'dbsf'];

/** Knobs from the URL (fusion, w=text:1.5,image:0, rrfK, cand), or null when the link carries none. @param {URLSearchParams} p @returns {Knobs | null} */
function knobsFromParams(p) {
  if (!p.has('fusion')) return null;
  const k = defaultKnobs();
  const fusion = p.get('fusion') ?? '';
  if (FUSIONS.includes(fusion)) k.fusion = fusion;
  for (const pair of (p.get('w') ?? '').split(',')) {
    const [name, v] = pair.split(':');
    const w = Number(v);
    if (name && /^[\w.-]{1,64}$/.test(name) && Number.isFinite(w) && w >= 0 && w <= 1000) k.weights[name] = w;
  }
  const rrfK = Number(p.get('rrfK'));
  if (Number.isInteger(rrfK) && rrfK >= 1 && rrfK <= 10_000) k.rrfK = rrfK;
  const cand = Number(p.get('cand'));
  if (Number.isInteger(cand) && cand >= 1 && cand <= 1000) k.candidates = cand;
  return k;
}

/** @param {string} collection @param {any} query @param {Knobs} k */
function tuningParams(collection, query, k) {
  const p = queryParams(collection, query);
  p.set('fusion', k.fusion);
  const w = Object.entries(k.weights).map(([s, v]) => `${s}:${v}`).join(',');
  if (w) p.set('w', w);
  p.set('rrfK', String(k.rrfK));
  p.set('cand', String(k.candidates));
  return p;
}

/** A preset as knobs (only the fusions the sliders drive). @param {any} preset @returns {Knobs} */
const presetKnobs = (preset) => ({ ...defaultKnobs(), ...preset, fusion: FUSIONS.includes(preset.fusion) ? preset.fusion : 'rrf', weights: { ...(preset.weights ?? {}) } });

/** @param {{ id: string, label: string, min: number, max: number, step: number, value: number, onInput: (v: number) => void, colour?: string }} p */
function Slider({ id, label, min, max, step, value, onInput, colour }) {
  return html`<div class="slider">
    <label for=${id}>${colour ? html`<i class="dot" style=${{ background: colour }}></i>` : null}${label}</label>
    <input id=${id} type="range" min=${min} max=${max} step=${step} value=${value} onInput=${(/** @type {any} */ e) => onInput(Number(e.currentTarget.value))} />
    <output for=${id}>${step < 1 ? value.toFixed(2) : value}</output>
  </div>`;
}

/** @param {{ collection: string, query: import('./query-bar.js').QueryState, setQuery: (q: any) => void, params: URLSearchParams, refreshDetails: () => void }} p */
export function Tuning({ collection, query, setQuery, params, refreshDetails }) {
  // From the link when it carries knobs; otherwise they start at the collection's applied preset once it loads.
  const fromUrl = useMemo(() => knobsFromParams(params), []);
  const [knobs, setKnobs] = useState(() => fromUrl ?? defaultKnobs());
  const [res, setRes] = useState(/** @type {{ left: any, right: any } | null} */ (null));
  const [sources, setSources] = useState(/** @type {string[]} */ ([]));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [presets, setPresets] = useState(/** @type {{ name: string, preset: Knobs }[]} */ ([]));
  const [applied, setApplied] = useState(/** @type {string | null} */ (null));
  const [presetName, setPresetName] = useState('');
  const [status, setStatus] = useState('');
  // Bumped when a result's Pin / Hide changes the rules, so the Curations box shows them.
  const [curationsVersion, setCurationsVersion] = useState(0);
  // The settings document shows every part: read again when a part's box saves; applying it re-reads the boxes.
  const [partSaved, setPartSaved] = useState(0);
  const [documentApplied, setDocumentApplied] = useState(0);
  const runAgain = () => { if (hasQuery(queryRef.current)) run(knobs, { push: false }); };
  const [judged, setJudged] = useState(0);
  const [evalRes, setEvalRes] = useState(/** @type {any} */ (null));
  const queryRef = useRef(query);
  queryRef.current = query;
  const seq = useRef(0);
  const touched = useRef(false);

  const loadPresets = async () => {
    const r = await api('GET', `/admin/api/presets?collection=${encodeURIComponent(collection)}`);
    setPresets(r.presets);
    setApplied(r.applied);
    return r;
  };
  useEffect(() => {
    loadPresets().then((r) => {
      // The user got there first (moved a knob or searched): their knobs stand.
      if (touched.current) return;
      const p = r.applied ? r.presets.find((/** @type {any} */ x) => x.name === r.applied) : undefined;
      const start = fromUrl ?? (p ? presetKnobs(p.preset) : defaultKnobs());
      if (p && !fromUrl) setPresetName(p.name);
      setKnobs(start);
      if (hasQuery(queryRef.current)) runRef.current(start, { push: false });
    }, (e) => setError(e.message));
    api('GET', `/admin/api/judgments?collection=${encodeURIComponent(collection)}`).then((r) => setJudged(r.queries.length), () => setJudged(0));
  }, [collection]);

  // With judgments, every knob change is also scored offline: default vs tuned on all judged queries.
  const evaluate = async (/** @type {Knobs} */ k) => {
    if (judged === 0) return;
    const r = await api('POST', '/admin/api/eval', { collection, k: 10, left: {}, right: { fusion: k.fusion, weights: k.weights, rrfK: k.rrfK, candidates: k.candidates } });
    setEvalRes(r);
  };

  // A query run before the judgments count arrived was not scored: score it once they are known.
  useEffect(() => { if (judged > 0 && res && !evalRes) evaluate(knobs).catch(() => undefined); }, [judged]);

  const run = async (/** @type {Knobs} */ k, /** @type {{ push?: boolean }} */ o = { push: true }) => {
    if (!hasQuery(queryRef.current)) return setError('Type a query or pick an image or audio file.');
    if (o.push) touched.current = true;
    setBusy(true);
    setError('');
    writeRoute('tuning', tuningParams(collection, queryRef.current, k), o);
    // Only the newest request may show its answer: a slow earlier one must not overwrite a later one's results.
    const mine = ++seq.current;
    try {
      const r = await api('POST', '/admin/api/compare', {
        ...queryRequest(collection, queryRef.current),
        left: {},
        right: { fusion: k.fusion, weights: k.weights, rrfK: k.rrfK, candidates: k.candidates },
      });
      if (mine !== seq.current) return;
      setRes(r);
      setSources((prev) => [...new Set([...prev, ...r.left.sources])].sort());
      await evaluate(k);
    } catch (e) {
      if (mine !== seq.current) return;
      setRes(null);
      setError(/** @type {Error} */ (e).message);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  };
  // Live re-ranking: knob changes settle for 250 ms before a request goes out.
  const runRef = useRef(run);
  runRef.current = run;
  const rerun = useMemo(() => debounce((/** @type {Knobs} */ k) => runRef.current(k, { push: false }), 250), [collection]);
  const change = (/** @type {Partial<Knobs>} */ patch) => {
    const next = { ...knobs, ...patch };
    touched.current = true;
    setKnobs(next);
    if (hasQuery(queryRef.current)) rerun(next);
    else writeRoute('tuning', tuningParams(collection, queryRef.current, next));
  };

  const save = async () => {
    try {
      await api('PUT', `/admin/api/presets/${encodeURIComponent(presetName)}`, knobs);
      setStatus(`Saved preset “${presetName}”.`);
      await loadPresets();
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const apply = async (/** @type {string | null} */ name) => {
    try {
      await api('PUT', `/admin/api/collections/${encodeURIComponent(collection)}/preset`, { name });
      setStatus(name ? `“${name}” is now the default ranking of ${collection}.` : `${collection} uses the server defaults again.`);
      await loadPresets();
      refreshDetails();
      // The left column shows the collection default, which just changed.
      if (hasQuery(queryRef.current)) await run(knobs, { push: false });
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const load = (/** @type {string} */ name) => {
    const p = presets.find((x) => x.name === name);
    if (!p) return;
    const next = presetKnobs(p.preset);
    setPresetName(name);
    change(next);
  };

  // Pin / Hide on a result: edits the exact rule for the query's text, then re-runs it (curations apply to text).
  const curate = async (/** @type {string} */ id, /** @type {string} */ action) => {
    setError('');
    try {
      await api('POST', `/admin/api/collections/${encodeURIComponent(collection)}/curations/items`, { query: queryRef.current.text, itemId: id, action });
      setCurationsVersion((v) => v + 1);
      await run(knobs, { push: false });
    } catch (e) { setError(/** @type {Error} */ (e).message); }
  };
  const onCurate = query.text.trim() ? curate : undefined;
  return html`<div class="screen">
    <${QueryBar} idp="tu" collection=${collection} query=${query} onChange=${setQuery} onRun=${() => run(knobs)} busy=${busy} />
    <div class="tuning">
      <aside class="panel knobs" aria-label="Fusion settings">
        <h3>Fusion</h3>
        <div class="field">
          <label for="tu-fusion">Method</label>
          <select id="tu-fusion" value=${knobs.fusion} onChange=${(/** @type {any} */ e) => change({ fusion: e.currentTarget.value })}>
            <option value="rrf">RRF</option><option value="weighted">Weighted sum</option><option value="dbsf">DBSF</option>
          </select>
        </div>
        <h4>Source weights</h4>
        ${sources.length === 0 ? html`<p class="muted small">Run a query: one slider appears per source that answered it.</p>` : null}
        ${sources.map((s) => html`<${Slider} id=${`w-${s}`} label=${s} min=${0} max=${3} step=${0.05} colour=${sourceColour(s)}
          value=${knobs.weights[s] ?? 1} onInput=${(v) => change({ weights: { ...knobs.weights, [s]: v } })} />`)}
        <h4>Retrieval</h4>
        <${Slider} id="tu-rrfk" label="RRF k" min=${1} max=${200} step=${1} value=${knobs.rrfK} onInput=${(v) => change({ rrfK: v })} />
        <${Slider} id="tu-cand" label="Candidates / list" min=${10} max=${500} step=${10} value=${knobs.candidates} onInput=${(v) => change({ candidates: v })} />
        <button type="button" class="link" onClick=${() => change(defaultKnobs())} title="RRF with equal weights (the server's defaults)">Reset to RRF defaults</button>
        <h3>Presets</h3>
        <p class="small">Default for <b>${collection}</b>: <span class="badge" data-testid="applied-preset">${applied ?? 'server defaults'}</span></p>
        <div class="field">
          <label for="tu-preset-name">Preset name</label>
          <div class="row">
            <input id="tu-preset-name" type="text" value=${presetName} placeholder="e.g. image-heavy" onInput=${(/** @type {any} */ e) => setPresetName(e.currentTarget.value)} />
            <button type="button" onClick=${save} disabled=${!/^[\w.-]{1,64}$/.test(presetName)}>Save</button>
          </div>
        </div>
        ${presets.length ? html`<table class="table compact"><tbody>
          ${presets.map((p) => html`<tr>
            <td><button type="button" class="link" onClick=${() => load(p.name)} title="load into the sliders">${p.name}</button></td>
            <td class="muted small">${p.preset.fusion}</td>
            <td class="right"><button type="button" class="small" onClick=${() => apply(p.name)} disabled=${applied === p.name}>Apply</button></td>
          </tr>`)}
        </tbody></table>` : null}
        ${applied ? html`<button type="button" class="link" onClick=${() => apply(null)}>Clear collection default</button>` : null}
        ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
        <${Synonyms} collection=${collection} version=${documentApplied} onSaved=${() => { setPartSaved((v) => v + 1); runAgain(); }} />
        <${Curations} collection=${collection} version=${curationsVersion + documentApplied} onSaved=${() => { setPartSaved((v) => v + 1); runAgain(); }} />
        <${FieldWeights} collection=${collection} version=${documentApplied} onApplied=${() => { setPartSaved((v) => v + 1); runAgain(); }} />
        <${SuggestionExclusions} collection=${collection} version=${documentApplied} onSaved=${() => setPartSaved((v) => v + 1)} />
        <${SettingsDocument} collection=${collection} version=${partSaved + curationsVersion} onSaved=${() => { setDocumentApplied((v) => v + 1); runAgain(); }} />
      </aside>
      <div class="tuning-results">
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
        ${judged > 0 ? html`<div class="panel offline" data-testid="tuning-eval" aria-live="polite">
          <span class="kpi-label">Judged queries (${judged}) @10</span>
          ${evalRes ? ['ndcg', 'mrr', 'recall'].map((m) => {
            const a = evalRes.mean.left[m];
            const b = evalRes.mean.right[m];
            const d = b - a;
            return html`<span class="offline-metric">${m === 'ndcg' ? 'nDCG' : m === 'mrr' ? 'MRR' : 'Recall'} <b>${a.toFixed(3)}</b> → <b>${b.toFixed(3)}</b>
              <span class=${`delta ${d > 1e-9 ? 'up' : d < -1e-9 ? 'down' : ''}`}>${d > 0 ? '+' : ''}${d.toFixed(3)}</span></span>`;
          }) : html`<span class="muted small">run a query to score the knobs on your judgments</span>`}
        </div>` : null}
        <div class="columns">
          <${ResultList} testid="baseline-results" title=${`Current default (${applied ?? "server config"})`} collection=${collection} resp=${res?.left ?? null} other=${res?.right ?? null} />
          <${ResultList} testid="tuned-results" title="Tuned" collection=${collection} resp=${res?.right ?? null} other=${res?.left ?? null} onCurate=${onCurate} />
        </div>
      </div>
    </div>
  </div>`;
}
