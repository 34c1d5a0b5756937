import type { z } from 'zod';
import type { Scope } from '../config.js';

/**
 * What each router declares about its routes; the OpenAPI document is generated from these,
 * from the very zod schemas the handlers validate with.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path (`/v1/items/:id`); converted to OpenAPI `{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Minimal key scope; undefined = open (health, docs). */
  scope?: Scope;
  /** Lists collections: a key limited to some may call it (the handler shows it only its own). */
  listsCollections?: boolean;
  /** Passes the search admission gate (limits.searchConcurrency): may wait, or answer 503 OVERLOADED. */
  admission?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Alternative multipart/form-data body (fields as strings, files as binary). */
  multipart?: { fields: Record<string, string>; files: Record<string, string> };
  /** A streamed body read by the handler itself (e.g. NDJSON), described rather than validated by a schema. */
  stream?: { contentType: string; description: string };
  response: z.ZodType;
  /** Status of the success response (default 200). */
  status?: number;
  /** Non-JSON success body (e.g. text/plain for /metrics). */
  produces?: string;
}
