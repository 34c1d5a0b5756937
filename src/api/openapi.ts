import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ErrorResponse } from './schemas.js';
import type { RouteSpec } from './route-spec.js';

function anonymousName(def: unknown): string {
  const text = JSON.stringify(def);
  if (text.includes('"must_not"')) return 'Filter';
  if (text.includes('"null"') && text.includes('"boolean"')) return 'JsonValue';
  return `Schema_${createHash('sha1').update(text).digest('hex').slice(0, 8)}`;
}

/** OpenAPI 3.1 from the routes' own zod schemas (z.toJSONSchema), so the document cannot drift from validation. */
export function buildOpenApi(
  routes: RouteSpec[],
  info: { version: string; keysRequired: boolean },
): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const toSchema = (s: z.ZodType, io: 'input' | 'output') => {
    const json = z.toJSONSchema(s, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
      cycles: 'ref',
    }) as Record<string, unknown>;
    delete json.$schema;
    // Lift $defs into components so recursive schemas (filters) resolve.
    const defs = (json.$defs ?? {}) as Record<string, unknown>;
    delete json.$defs;
    // Anonymous recursive schemas come out as __schema0, __schema1... per call: give them stable names
    // (Filter, JsonValue, or a content hash) so different routes' definitions cannot collide.
    const rename = new Map<string, string>();
    for (const [k, v] of Object.entries(defs))
      rename.set(k, k.startsWith('__schema') ? anonymousName(v) : k);
    const relink = (x: unknown) =>
      JSON.parse(
        JSON.stringify(x).replace(
          /"#\/\$defs\/([^"]+)"/g,
          (_m, k: string) => `"#/components/schemas/${rename.get(k) ?? k}"`,
        ),
      ) as Record<string, unknown>;
    for (const [k, v] of Object.entries(defs)) components[rename.get(k)!] = relink(v);
    return relink(json);
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input') as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: s,
        });
      }
    }
    const content: Record<string, unknown> = {};
    if (r.body) content['application/json'] = { schema: toSchema(r.body, 'input') };
    if (r.stream)
      content[r.stream.contentType] = {
        schema: { type: 'string', description: r.stream.description },
      };
    if (r.multipart) {
      const properties: Record<string, unknown> = {};
      for (const [k, d] of Object.entries(r.multipart.fields))
        properties[k] = { type: 'string', description: d };
      for (const [k, d] of Object.entries(r.multipart.files))
        properties[k] = { type: 'string', format: 'binary', description: d };
      content['multipart/form-data'] = { schema: { type: 'object', properties } };
    }
    const status = String(r.status ?? 200);
    const errorRef = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
    };
    (paths[p] ??= {})[r.method] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
      ...(r.scope && info.keysRequired ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
      'x-scope': r.scope ?? 'open',
      responses: {
        [status]: {
          description: 'Success',
          content: {
            [r.produces ?? 'application/json']: {
              schema: r.produces ? { type: 'string' } : toSchema(r.response, 'output'),
            },
          },
        },
        ...(r.body || r.query || r.params ? { '400': errorRef } : {}),
        ...(r.scope ? { '401': errorRef, '403': errorRef } : {}),
        ...(r.body ? { '413': errorRef, '415': errorRef } : {}),
        ...(r.admission
          ? {
              '503': {
                ...errorRef,
                description: 'OVERLOADED: the search queue is full; retry after Retry-After',
              },
            }
          : {}),
        default: errorRef,
      },
    };
  }
  components.ErrorResponse = toSchema(ErrorResponse, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chorus API',
      version: info.version,
      description:
        'Multimodal search and recommendation. Errors are JSON `{ error: { code, message, details } }`. ' +
        'Keys travel as `Authorization: Bearer KEY` or `api-key: KEY`; scopes read < write < admin (x-scope on each operation).',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
      },
    },
  };
}
