// Chorus admin UI entry: session check, login, and the seven screens behind hash routes (#/screen?state).
// Preact + htm as plain ES modules served from node_modules: no build step, nothing fetched from outside.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, render, api, setCsrf } from './lib.js';
import { queryFromParams, queryParams, readRoute, routeHref, writeRoute } from './url-state.js';
import { Collections } from './views/collections.js';
import { Judgments } from './views/judgments.js';
import { Login } from './views/login.js';
import { Models } from './views/models.js';
import { Playground } from './views/playground.js';
import { Queries } from './views/queries.js';
import { Recommend } from './views/recommend.js';
import { emptyQuery } from './views/query-bar.js';
import { Tuning } from './views/tuning.js';

const SCREENS = [
  { id: 'playground', label: 'Playground' },
  { id: 'tuning', label: 'Fusion tuning' },
  { id: 'judgments', label: 'Judgments' },
  { id: 'queries', label: 'Queries' },
  { id: 'recommend', label: 'Recommendations' },
  { id: 'models', label: 'Models' },
  { id: 'collections', label: 'Collections & jobs' },
];
/** Screens whose state includes the shared query (the others keep it untouched when opened). */
const QUERY_SCREENS = new Set(['playground', 'tuning']);
const known = (/** @type {string} */ id) => (SCREENS.some((s) => s.id === id) ? id : 'playground');

function App() {
  const [session, setSession] = useState(/** @type {any} */ (null));
  const [route, setRoute] = useState(() => ({ ...readRoute(), version: 0 }));
  const [collections, setCollections] = useState(/** @type {string[]} */ ([]));
  const [details, setDetails] = useState(/** @type {Record<string, { promotedModel: string | null, preset: string | null }>} */ ({}));
  const [collection, setCollection] = useState(() => readRoute().params.get('c') ?? localStorage.getItem('chorus.collection') ?? '');
  const [query, setQuery] = useState(() => (QUERY_SCREENS.has(known(readRoute().screen)) ? queryFromParams(readRoute().params, emptyQuery()) : emptyQuery()));
  const screen = known(route.screen);

  useEffect(() => {
    api('GET', '/admin/api/session').then((s) => { setCsrf(s.csrf); setSession(s); }, () => setSession({ authenticated: false, devMode: false }));
    // Back/forward, a typed or shared link, a nav click: the URL is the state, so the screen is rebuilt from it.
    const onRoute = () => {
      const r = readRoute();
      const c = r.params.get('c');
      if (c) setCollection(c);
      if (QUERY_SCREENS.has(known(r.screen))) setQuery((q) => queryFromParams(r.params, q));
      setRoute((prev) => ({ ...r, version: prev.version + 1 }));
    };
    const onExpired = () => setSession((s) => (s?.authenticated ? { ...s, authenticated: false, csrf: null, expired: true } : s));
    window.addEventListener('popstate', onRoute);
    window.addEventListener('hashchange', onRoute);
    window.addEventListener('chorus:unauthenticated', onExpired);
    return () => {
      window.removeEventListener('popstate', onRoute);
      window.removeEventListener('hashchange', onRoute);
      window.removeEventListener('chorus:unauthenticated', onExpired);
    };
  }, []);
  const loadCollections = () =>
    api('GET', '/admin/api/collections').then((r) => {
      setCollections(r.collections);
      setDetails(r.details ?? {});
      if (!r.collections.includes(collection) && r.collections[0]) setCollection(r.collections[0]);
    }, () => undefined);
  useEffect(() => {
    if (session?.authenticated) loadCollections();
  }, [session?.authenticated]);
  useEffect(() => { if (collection) localStorage.setItem('chorus.collection', collection); }, [collection]);

  if (!session) return html`<p class="boot">Loading…</p>`;
  if (!session.authenticated) {
    return html`<${Login} devMode=${session.devMode} expired=${Boolean(session.expired)}
      onLogin=${(/** @type {any} */ s) => { setCsrf(s.csrf); setSession({ ...session, ...s, expired: false }); }} />`;
  }

  const logout = async () => {
    await api('POST', '/admin/api/logout').catch(() => undefined);
    setCsrf(null);
    setSession({ ...session, authenticated: false, csrf: null });
  };
  /** A nav link carries the collection, and the shared query into the screens that use it. */
  const hrefFor = (/** @type {string} */ id) => routeHref(id, QUERY_SCREENS.has(id) ? queryParams(collection, query) : new window.URLSearchParams(collection ? { c: collection } : {}));
  const pickCollection = (/** @type {string} */ name) => {
    setCollection(name);
    const p = new window.URLSearchParams(route.params);
    p.set('c', name);
    writeRoute(screen, p);
  };
  const open = (/** @type {string} */ name) => { setCollection(name); window.location.hash = routeHref('playground', queryParams(name, query)); };
  const props = { collection, query, setQuery, params: route.params, details: details[collection] ?? { promotedModel: null, preset: null }, refreshDetails: loadCollections };
  const key = `${screen}|${route.version}|${collection}`;
  return html`<div class="app">
    <a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true">◆</span> Chorus <span class="muted">admin</span></div>
      <nav aria-label="Screens"><ul>
        ${SCREENS.map((s) => html`<li><a href=${hrefFor(s.id)} aria-current=${screen === s.id ? 'page' : undefined}>${s.label}</a></li>`)}
      </ul></nav>
      <div class="right">
        <label for="collection" class="sr-only">Collection</label>
        <select id="collection" value=${collection} onChange=${(/** @type {any} */ e) => pickCollection(e.currentTarget.value)}>
          ${collections.length === 0 ? html`<option value="">no collections</option>` : collections.map((c) => html`<option value=${c}>${c}</option>`)}
        </select>
        ${session.devMode ? html`<span class="badge warn" title="no admin key configured: loopback only">dev mode</span>` : null}
        ${session.queues ? html`<a class="small" href=${session.queues}>Queues</a>` : null}
        <button type="button" class="link" onClick=${logout}>Log out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${!collection && screen !== 'collections' ? html`<p class="muted screen">No collection yet.</p>`
        : screen === 'playground' ? html`<${Playground} key=${key} ...${props} />`
        : screen === 'tuning' ? html`<${Tuning} key=${key} ...${props} />`
        : screen === 'judgments' ? html`<${Judgments} key=${key} ...${props} />`
        : screen === 'models' ? html`<${Models} key=${key} ...${props} />`
        : screen === 'queries' ? html`<${Queries} key=${key} collection=${collection} params=${route.params} />`
        : screen === 'recommend' ? html`<${Recommend} key=${key} collection=${collection} params=${route.params} />`
        : html`<${Collections} key=${key} onOpen=${open} params=${route.params} />`}
    </main>
  </div>`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('root')));
