// `import { createClient } from 'chorus/client'`: a typed HTTP client for a Chorus server (runtime needs only fetch).
export { createClient, type ChorusClient } from './client.js';
export { ChorusApiError, ChorusRequestError } from './errors.js';
export type { ClientOptions } from './transport.js';
export type { RequestOptions, RouteInput, RouteOutput } from './route-types.js';
