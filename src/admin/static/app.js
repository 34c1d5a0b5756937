// Chorus admin UI entry: session check, login, and the five screens behind hash routes.
// Preact + htm as plain ES modules served from node_modules: no build step, nothing fetched from outside.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, render, api, setCsrf } from './lib.js';
import { Collections } from './views/collections.js';
import { Judgments } from './views/judgments.js';
import { Login } from './views/login.js';
import { Models } from './views/models.js';
import { Playground } from './views/playground.js';
import { emptyQuery } from './views/query-bar.js';
import { Tuning } from './views/tuning.js';

const SCREENS = [
  { id: 'playground', label: 'Playground' },
  { id: 'tuning', label: 'Fusion tuning' },
  { id: 'judgments', label: 'Judgments' },
  { id: 'models', label: 'Models' },
  { id: 'collections', label: 'Collections & jobs' },
];
const screenFromHash = () => {
  const id = window.location.hash.replace(/^#\/?/, '');
  return SCREENS.some((s) => s.id === id) ? id : 'playground';
};

function App() {
  const [session, setSession] = useState(/** @type {any} */ (null));
  const [screen, setScreen] = useState(screenFromHash);
  const [collections, setCollections] = useState(/** @type {string[]} */ ([]));
  const [collection, setCollection] = useState(() => localStorage.getItem('chorus.collection') ?? '');
  const [query, setQuery] = useState(emptyQuery);

  useEffect(() => {
    api('GET', '/admin/api/session').then((s) => { setCsrf(s.csrf); setSession(s); }, () => setSession({ authenticated: false, devMode: false }));
    const onHash = () => setScreen(screenFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (!session?.authenticated) return;
    api('GET', '/admin/api/collections').then((r) => {
      setCollections(r.collections);
      if (!r.collections.includes(collection) && r.collections[0]) setCollection(r.collections[0]);
    });
  }, [session?.authenticated]);
  useEffect(() => { if (collection) localStorage.setItem('chorus.collection', collection); }, [collection]);

  if (!session) return html`<p class="boot">Loading…</p>`;
  if (!session.authenticated) return html`<${Login} devMode=${session.devMode} onLogin=${(/** @type {any} */ s) => { setCsrf(s.csrf); setSession({ ...session, ...s }); }} />`;

  const logout = async () => {
    await api('POST', '/admin/api/logout').catch(() => undefined);
    setCsrf(null);
    setSession({ ...session, authenticated: false, csrf: null });
  };
  const open = (/** @type {string} */ name) => { setCollection(name); window.location.hash = '#/playground'; };
  const props = { collection, query, setQuery };
  return html`<div class="app">
    <a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true">◆</span> Chorus <span class="muted">admin</span></div>
      <nav aria-label="Screens"><ul>
        ${SCREENS.map((s) => html`<li><a href=${`#/${s.id}`} aria-current=${screen === s.id ? 'page' : undefined}>${s.label}</a></li>`)}
      </ul></nav>
      <div class="right">
        <label for="collection" class="sr-only">Collection</label>
        <select id="collection" value=${collection} onChange=${(/** @type {any} */ e) => setCollection(e.currentTarget.value)}>
          ${collections.length === 0 ? html`<option value="">no collections</option>` : collections.map((c) => html`<option value=${c}>${c}</option>`)}
        </select>
        ${session.devMode ? html`<span class="badge warn" title="no admin key configured: loopback only">dev mode</span>` : null}
        ${session.queues ? html`<a class="small" href=${session.queues}>Queues</a>` : null}
        <button type="button" class="link" onClick=${logout}>Log out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${!collection && screen !== 'collections' ? html`<p class="muted screen">No collection yet.</p>`
        : screen === 'playground' ? html`<${Playground} ...${props} />`
        : screen === 'tuning' ? html`<${Tuning} key=${collection} ...${props} />`
        : screen === 'judgments' ? html`<${Judgments} key=${collection} collection=${collection} />`
        : screen === 'models' ? html`<${Models} key=${collection} collection=${collection} />`
        : html`<${Collections} onOpen=${open} />`}
    </main>
  </div>`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('root')));
