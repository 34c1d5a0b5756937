// The screen and its state live in the URL hash (#/screen?c=...&q=...), so back, refresh and a shared link keep them.
// Searches push a history entry; knob moves replace the current one (no history entry per slider step).

/** @returns {{ screen: string, params: URLSearchParams }} */
export function readRoute() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const at = hash.indexOf('?');
  return {
    screen: at < 0 ? hash : hash.slice(0, at),
    params: new window.URLSearchParams(at < 0 ? '' : hash.slice(at + 1)),
  };
}

/** @param {string} screen @param {URLSearchParams} params */
export function routeHref(screen, params) {
  const qs = params.toString();
  return `#/${screen}${qs ? `?${qs}` : ''}`;
}

/**
 * Writes the route without reloading or re-rendering (pushState fires no hashchange).
 * @param {string} screen @param {URLSearchParams} params @param {{ push?: boolean }} [o]
 */
export function writeRoute(screen, params, o = {}) {
  const href = routeHref(screen, params);
  if (href === window.location.hash) return;
  window.history[o.push ? 'pushState' : 'replaceState'](null, '', href);
}

/**
 * The query state shared by the screens as URL parameters (text, filter, user, top-k and collection); picked
 * image/audio files are too big for a link and stay in the page.
 * @param {string} collection @param {{ text: string, filter: string, userId: string, limit: number }} q
 */
export function queryParams(collection, q) {
  const p = new window.URLSearchParams();
  if (collection) p.set('c', collection);
  if (q.text.trim()) p.set('q', q.text.trim());
  if (q.filter.trim()) p.set('filter', q.filter.trim());
  if (q.userId.trim()) p.set('user', q.userId.trim());
  if (q.limit !== 10) p.set('k', String(q.limit));
  return p;
}

/** @param {URLSearchParams} p @param {any} base */
export function queryFromParams(p, base) {
  const k = Number(p.get('k'));
  return {
    ...base,
    text: p.get('q') ?? '',
    filter: p.get('filter') ?? '',
    userId: p.get('user') ?? '',
    limit: [5, 10, 20, 50].includes(k) ? k : 10,
  };
}
