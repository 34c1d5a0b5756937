// A paged item browser for one collection: each item's payload and which named vectors it has.
import { useEffect, useState } from '/admin/vendor/hooks.mjs';
import { html, api, sourceColour } from '../lib.js';

/** @param {{ collection: string, onClose: () => void }} p */
export function Items({ collection, onClose }) {
  // Cursors of the pages seen so far: index i holds the cursor that loads page i (page 0 has none).
  const [cursors, setCursors] = useState(/** @type {(string | undefined)[]} */ ([undefined]));
  const [page, setPage] = useState(0);
  const [data, setData] = useState(/** @type {any} */ (null));
  const [open, setOpen] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState('');
  const size = 10;

  useEffect(() => {
    const cursor = cursors[page];
    api(
      'GET',
      `/admin/api/items/${encodeURIComponent(collection)}?limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ).then(
      (d) => {
        setData(d);
        if (d.next && cursors.length === page + 1) setCursors([...cursors, d.next]);
      },
      (e) => setError(e.message),
    );
  }, [page]);

  const pages = data ? Math.max(1, Math.ceil(data.total / size)) : 1;
  return html`<section
    class="panel"
    aria-label=${`Items of ${collection}`}
    data-testid="item-browser"
  >
    <div class="panel-head">
      <h3>
        Items of <b>${collection}</b>
        <span class="muted small"
          >${data ? `${data.total.toLocaleString()} items · page ${page + 1} of ${pages}` : ''}</span
        >
      </h3>
      <div class="row">
        <button
          type="button"
          class="small"
          disabled=${page === 0}
          onClick=${() => setPage(page - 1)}
        >
          ← Previous
        </button>
        <button
          type="button"
          class="small"
          disabled=${!data?.next}
          onClick=${() => setPage(page + 1)}
        >
          Next →
        </button>
        <button
          type="button"
          class="small link"
          onClick=${onClose}
          aria-label="Close the item browser"
        >
          Close
        </button>
      </div>
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${
      data
        ? html`<table class="table compact" data-testid="items-table">
            <thead>
              <tr>
                <th>Id</th>
                <th>Title</th>
                <th>Vectors</th>
                <th>Payload</th>
              </tr>
            </thead>
            <tbody>
              ${data.items.map(
                (/** @type {any} */ it) =>
                  html`<tr data-id=${it.id}>
                    <td><code>${it.id}</code></td>
                    <td class="small">${it.payload?.title ?? ''}</td>
                    <td>
                      <div class="chips">
                        ${data.declared.map((/** @type {string} */ name) =>
                          it.vectors[name]
                            ? html`<span class="chip has" title=${`${it.vectors[name]} dims`}
                                ><i style=${{ background: sourceColour(name) }}></i>${name}</span
                              >`
                            : html`<span class="chip missing" title="this item has no such vector"
                                >${name}</span
                              >`,
                        )}
                      </div>
                    </td>
                    <td>
                      ${
                        open === it.id
                          ? html`<pre class="payload" data-testid="payload">
${JSON.stringify(it.payload, null, 2)}</pre>
                              <button
                                type="button"
                                class="link small"
                                onClick=${() => setOpen(null)}
                              >
                                hide
                              </button>`
                          : html`<button
                              type="button"
                              class="link small"
                              onClick=${() => setOpen(it.id)}
                              aria-label=${`Show payload of ${it.id}`}
                            >
                              ${Object.keys(it.payload ?? {}).length} fields…
                            </button>`
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">Loading items…</p>`
    }
  </section>`;
}
