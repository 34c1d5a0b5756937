// A modal confirmation for consequential actions (promote, roll back): what will happen, then confirm or cancel.
import { useEffect, useRef } from '/admin/vendor/hooks.mjs';
import { html } from '../lib.js';

/**
 * @param {{ title: string, children: any, confirmLabel: string, onConfirm: () => void, onCancel: () => void, danger?: boolean, busy?: boolean, extra?: any }} p
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  danger,
  busy,
  extra,
}) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    // Focus moves into the dialog; Escape cancels.
    /** @type {HTMLElement | null | undefined} */ (
      ref.current?.querySelector('button[data-cancel]')
    )?.focus();
    const onKey = (/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return html`<div class="modal-backdrop">
    <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" ref=${ref}>
      <h3 id="confirm-title">${title}</h3>
      <div class="modal-body">${children}</div>
      <div class="modal-actions">
        <button type="button" data-cancel onClick=${onCancel}>Cancel</button>
        ${extra}
        <button
          type="button"
          class=${danger ? 'danger' : 'primary'}
          disabled=${busy}
          onClick=${onConfirm}
        >
          ${confirmLabel}
        </button>
      </div>
    </div>
  </div>`;
}
