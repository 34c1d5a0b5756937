/** A self-contained docs page rendered from the OpenAPI document: no scripts, no external CDN. */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDocsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  const sections: string[] = [];
  for (const [p, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = (op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)
        ?.content;
      const responses = op.responses as Record<
        string,
        { content?: Record<string, { schema: unknown }> }
      >;
      const ok = Object.entries(responses).find(([s]) => s.startsWith('2'));
      sections.push(`<section id="${esc(method + p)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(p)}</code> <small>scope: ${esc(String(op['x-scope']))}</small></h3>
<p>${esc(String(op.summary ?? ''))}</p>${op.description ? `<p>${esc(String(op.description))}</p>` : ''}
${op.parameters ? `<details><summary>parameters</summary><pre>${esc(JSON.stringify(op.parameters, null, 2))}</pre></details>` : ''}
${
  body
    ? Object.entries(body)
        .map(
          ([ct, c]) =>
            `<details><summary>request body (${esc(ct)})</summary><pre>${esc(JSON.stringify(c.schema, null, 2))}</pre></details>`,
        )
        .join('')
    : ''
}
${ok ? `<details><summary>response ${esc(ok[0])}</summary><pre>${esc(JSON.stringify(ok[1].content, null, 2))}</pre></details>` : ''}
</section>`);
    }
  }
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
code,pre{font-family:ui-monospace,monospace}pre{background:#f5f5f5;padding:.5em;overflow:auto;max-height:30em}
.m{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;padding:0 .3em}
.get{background:#2b7}.post{background:#27c}.delete{background:#c33}.put{background:#c80}section{border-top:1px solid #ddd}</style>
</head><body><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>${sections.join('\n')}</body></html>`;
}
