import { ChorusApiError, ChorusRequestError } from './errors.js';
import type { RequestOptions } from './route-types.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ClientOptions {
  /** Base URL of a Chorus server, e.g. http://127.0.0.1:8080. */
  url: string;
  /** API key (sent as `Authorization: Bearer KEY`); admin routes need an admin key. */
  apiKey?: string;
  /** Per-request timeout in ms (default 30 000; 0 = none). */
  timeoutMs?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A non-JSON request body (the input's other fields then all go to the query string). */
export interface RawBody {
  body: string;
  contentType: string;
}

export type Transport = (
  method: Method,
  path: string,
  input: unknown,
  opts?: RequestOptions,
  raw?: RawBody,
) => Promise<unknown>;

/**
 * Turns one call into one HTTP request: `:name` segments of the path come from the input object; the other fields
 * go to the query string (GET, DELETE) or the JSON body (POST, PUT).
 */
export function createTransport(o: ClientOptions): Transport {
  const base = o.url.replace(/\/+$/, '');
  const doFetch = o.fetch ?? globalThis.fetch;
  const timeoutMs = o.timeoutMs ?? 30_000;
  return async (method, template, input, opts = {}, raw) => {
    const rest: Record<string, unknown> = { ...((input ?? {}) as Record<string, unknown>) };
    const path = template.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
      const v = rest[name];
      if (v === undefined || v === null || v === '')
        throw new TypeError(`${method.toUpperCase()} ${template}: "${name}" is required`);
      delete rest[name];
      return encodeURIComponent(String(v));
    });
    const hasBody = method === 'post' || method === 'put' || method === 'patch';
    let url = base + path;
    if (!hasBody || raw) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) q.set(k, String(v));
      if ([...q].length) url += `?${q}`;
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...o.headers,
      ...opts.headers,
    };
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    if (hasBody) headers['content-type'] = raw?.contentType ?? 'application/json';
    const signals = [
      opts.signal,
      timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
    ].filter((s): s is AbortSignal => !!s);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: method.toUpperCase(),
        headers,
        body: raw
          ? raw.body
          : hasBody
            ? JSON.stringify(input === undefined ? {} : rest)
            : undefined,
        signal: signals.length ? AbortSignal.any(signals) : undefined,
      });
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'TimeoutError')
        throw new ChorusRequestError(
          `${method.toUpperCase()} ${path} timed out after ${timeoutMs} ms`,
          'timeout',
          { cause: e },
        );
      if (name === 'AbortError')
        throw new ChorusRequestError(`${method.toUpperCase()} ${path} was aborted`, 'aborted', {
          cause: e,
        });
      throw new ChorusRequestError(
        `${method.toUpperCase()} ${url}: ${(e as Error).message}`,
        'network',
        { cause: e },
      );
    }
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json')
      ? parseJson(text)
      : undefined;
    if (!res.ok) {
      const err = (
        json as { error?: { code?: string; message?: string; details?: unknown } } | undefined
      )?.error;
      const retry = Number(res.headers.get('retry-after'));
      throw new ChorusApiError(
        res.status,
        (err?.code as ChorusApiError['code'] | undefined) ?? `HTTP_${res.status}`,
        err?.message ?? `${method.toUpperCase()} ${path}: HTTP ${res.status}`,
        err?.details,
        Number.isFinite(retry) && retry > 0 ? retry : undefined,
      );
    }
    if (json === undefined && (res.headers.get('content-type') ?? '').includes('json')) {
      throw new ChorusRequestError(
        `${method.toUpperCase()} ${path}: the server's JSON could not be parsed`,
        'bad-response',
      );
    }
    return json ?? text;
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
