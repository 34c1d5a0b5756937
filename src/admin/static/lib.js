// Shared helpers for the admin UI: preact + htm bindings, the API client (session cookie + CSRF header), formatting.
import { h, render } from '/admin/vendor/preact.mjs';
import htm from '/admin/vendor/htm.mjs';

export const html = htm.bind(h);
export { render };

let csrf = null;
/** @param {string | null} token */
export function setCsrf(token) { csrf = token; }

/** Error thrown for non-2xx API answers, carrying the server's code and message. */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {any} [details] */
  constructor(status, code, message, details) { super(message); this.status = status; this.code = code; this.details = details; }
}

/**
 * Calls an admin API route. State-changing methods send the CSRF token; the session cookie travels by itself.
 * @param {string} method @param {string} path @param {unknown} [body]
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = await res.json().catch(() => ({}));
  // The session expired (idle timeout, restart, logout elsewhere): the app shows the login form instead of hanging.
  if (res.status === 401 && !path.endsWith('/login')) window.dispatchEvent(new window.CustomEvent('chorus:unauthenticated'));
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'ERROR', data?.error?.message ?? res.statusText, data?.error?.details);
  return data;
}

/** @param {number | null | undefined} x a 0..1 share @param {number} [d] */
export const pct = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(Number(x) * 100).toFixed(d)}%`);

/** Confirms a consequential action in a native dialog (keyboard accessible, testable). @param {string} message */
export const confirmAction = (message) => window.confirm(message);

/** @template {(...a: any[]) => void} F @param {F} fn @param {number} ms */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return /** @type {F} */ ((...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); });
}

/** @param {number | null | undefined} x @param {number} [d] */
export const fmt = (x, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
/** @param {number | null | undefined} ms */
export const when = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) : '—');

/** One hue per modality; the `_text` tower of a modality (image_text, audio_text) is the lighter shade of it. */
const SOURCE_COLOURS = {
  text: '#2f6fdb', image: '#d9822b', image_text: '#f2b97c', audio: '#1f9e89', audio_text: '#86d3c5',
  bm25: '#8c5cc7', profile: '#c2477a', cf: '#6b7280', residual: '#a3a3a3', ctr: '#b45309', popularity: '#78716c',
  popular: '#78716c', trending: '#dc2626',
};
/** @param {string} source */
export function sourceColour(source) {
  const known = SOURCE_COLOURS[/** @type {keyof typeof SOURCE_COLOURS} */ (source)];
  if (known) return known;
  const family = SOURCE_COLOURS[/** @type {keyof typeof SOURCE_COLOURS} */ (source.split('_')[0] ?? '')];
  return family ?? '#737373';
}

/** Reads a File as base64 (without the data: prefix). @param {File} file @returns {Promise<string>} */
export function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new window.FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/**
 * "colour=Blue, year>=2012" -> a must-filter. Numbers stay numbers; `>= <= > <` become ranges.
 * @param {string} text
 */
export function parseFilter(text) {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return undefined;
  const must = parts.map((p) => {
    const m = /^([A-Za-z_]\w*)\s*(>=|<=|>|<|=)\s*(.+)$/.exec(p);
    if (!m) throw new Error(`cannot read filter "${p}" (use key=value, key>=number)`);
    const [, key, op, raw] = m;
    const num = Number(raw);
    const value = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(num) ? num : raw;
    if (op === '=') return { key, match: { value } };
    const bound = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[op];
    return { key, range: { [/** @type {string} */ (bound)]: num } };
  });
  return { must };
}
