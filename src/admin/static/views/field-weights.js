// BM25 settings for the tuning screen: a weight per text field (a title word can count for more than a body
// word) and the language text is analyzed in; saving starts the rebuild job that applies them to the stored documents, followed here until it ends.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `version`: changed when the settings were edited elsewhere on the page (read them again). @param {{ collection: string, version?: number, onApplied: () => void }} p */
export function FieldWeights({ collection, version, onApplied }) {
  const [fields, setFields] = useState(/** @type {string[]} */ ([]));
  const [weights, setWeights] = useState(/** @type {Record<string, number>} */ ({}));
  const [language, setLanguage] = useState('english');
  const [languages, setLanguages] = useState(/** @type {string[]} */ (['english']));
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const url = `/admin/api/collections/${encodeURIComponent(collection)}/lexical`;
  useEffect(() => {
    setStatus('');
    api('GET', url).then((r) => {
      setFields(r.fields);
      setWeights(r.fieldWeights);
      setLanguage(r.language);
      setLanguages(r.languages);
    }, (e) => setError(e.message));
  }, [collection, version]);

  /** Polls the jobs list until the rebuild ends. @param {string} id */
  const follow = async (id) => {
    for (;;) {
      const { jobs } = await api('GET', '/admin/api/jobs?limit=50');
      const job = jobs.find((/** @type {any} */ j) => j.id === id);
      if (job?.state === 'completed') {
        const removed = job.result?.removed ? ` (removed ${job.result.removed} of items no longer stored)` : '';
        return `Rebuilt ${job.result?.documents ?? 0} BM25 documents with these settings${removed}.`;
      }
      if (job?.state === 'failed' || job?.state === 'cancelled') throw new Error(`the rebuild ${job.state}: ${job.reason ?? ''}`);
      if (job?.progress !== null && job?.progress !== undefined) setStatus(`Rebuilding the BM25 index… ${Math.round(job.progress * 100)}%`);
      await sleep(300);
    }
  };
  const save = async () => {
    setError('');
    setStatus('');
    setBusy(true);
    try {
      const fieldWeights = Object.fromEntries(Object.entries(weights).filter(([, w]) => w !== 1));
      const r = await api('PUT', url, { fieldWeights, language });
      setWeights(r.fieldWeights);
      setLanguage(r.language);
      if (r.job) {
        setStatus('Rebuilding the BM25 index…');
        setStatus(await follow(r.job));
      } else setStatus(r.rebuildNeeded ? 'Saved: the stored documents need a rebuild (no job queue here: run chorus lexical rebuild).' : 'Saved: nothing to rebuild.');
      onApplied();
    } catch (e) { setError(/** @type {Error} */ (e).message); } finally { setBusy(false); }
  };
  return html`<section class="weights" aria-labelledby="tu-fw-h">
    <h3 id="tu-fw-h">BM25 field weights</h3>
    <p class="muted small">A field of weight 3 counts three times in its item's BM25 document, so a title word can outweigh a body word. The language sets the stop words and stemmer. Saving rebuilds the collection's BM25 documents.</p>
    <div class="field">
      <label for="fw-language">Language</label>
      <select id="fw-language" value=${language} onChange=${(/** @type {any} */ e) => setLanguage(e.currentTarget.value)}>
        ${languages.map((l) => html`<option value=${l} selected=${l === language}>${l}</option>`)}
      </select>
    </div>
    ${fields.map((f) => html`<div class="field">
      <label for=${`fw-${f}`}>${f}</label>
      <input id=${`fw-${f}`} type="number" min="1" max="10" step="1" value=${weights[f] ?? 1}
        onInput=${(/** @type {any} */ e) => setWeights({ ...weights, [f]: Number(e.currentTarget.value) })} />
    </div>`)}
    <button type="button" onClick=${save} disabled=${busy}>Save and rebuild</button>
    ${status ? html`<p class="ok small" role="status">${status}</p>` : null}
    ${error ? html`<p class="error small" role="alert">${error}</p>` : null}
  </section>`;
}
