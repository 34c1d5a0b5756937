// Login with the admin key; in dev mode (no key configured) a single button, loopback only.
import { useState } from '/admin/vendor/hooks.mjs';
import { html, api } from '../lib.js';

/** @param {{ devMode: boolean, expired?: boolean, onLogin: (s: any) => void }} p */
export function Login({ devMode, expired, onLogin }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await api('POST', '/admin/api/login', devMode ? {} : { key }));
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="login-card" onSubmit=${submit} aria-labelledby="login-title">
      <div class="brand big"><span class="logo" aria-hidden="true">◆</span> Chorus</div>
      <h1 id="login-title">Relevance console</h1>
      ${expired ? html`<p class="notice" role="status" data-testid="session-expired">Your session has expired. Log in again to continue where you were.</p>` : null}
      ${devMode
        ? html`<p class="notice" role="note"><b>Development mode.</b> No admin key is configured (<code>CHORUS_ADMIN_KEY</code>), so the server listens on loopback only and this console accepts only local connections.</p>`
        : html`<div class="field"><label for="admin-key">Admin key</label>
            <input id="admin-key" type="password" autocomplete="current-password" required value=${key} onInput=${(/** @type {any} */ ev) => setKey(ev.currentTarget.value)} autofocus /></div>`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button class="primary wide" type="submit" disabled=${busy}>${devMode ? 'Enter console' : 'Log in'}</button>
      <p class="muted small">The session lives in an HttpOnly, SameSite=Strict cookie; changes need its CSRF token.</p>
    </form>
  </main>`;
}
