import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from '@qdrant/js-client-rest';
import { ChorusError } from '../../errors.js';

/** Retries a call that Qdrant rate-limited, when it asks for a short wait; longer waits surface as RATE_LIMITED. */
const MAX_RETRIES = 2;
const MAX_RETRY_WAIT_S = 5;

/**
 * Runs a Qdrant client call and maps its failures to ChorusError at the adapter edge:
 * 429 -> RATE_LIMITED (details.retryAfterSeconds), timeout / connection failure / 5xx -> UNAVAILABLE,
 * 404 -> COLLECTION_NOT_FOUND (when a collection is named), other 4xx -> VALIDATION with Qdrant's message.
 */
export async function qdrantCall<T>(
  what: string,
  fn: () => Promise<T>,
  collection?: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (
        e instanceof QdrantClientResourceExhaustedError &&
        attempt < MAX_RETRIES &&
        e.retry_after <= MAX_RETRY_WAIT_S
      ) {
        await new Promise((r) => setTimeout(r, Math.max(0, e.retry_after) * 1000));
        continue;
      }
      throw mapQdrantError(what, e, collection);
    }
  }
}

export function mapQdrantError(what: string, e: unknown, collection?: string): ChorusError {
  if (e instanceof ChorusError) return e;
  if (e instanceof QdrantClientResourceExhaustedError) {
    return new ChorusError(
      'RATE_LIMITED',
      `Qdrant rate-limited ${what}; retry after ${e.retry_after}s`,
      {
        retryAfterSeconds: e.retry_after,
      },
      { cause: e },
    );
  }
  if (
    e instanceof QdrantClientTimeoutError ||
    (e as Error)?.name === 'TimeoutError' ||
    (e as Error)?.name === 'AbortError'
  ) {
    return new ChorusError(
      'UNAVAILABLE',
      `Qdrant timed out during ${what}`,
      { reason: 'timeout' },
      { cause: e },
    );
  }
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number') {
    const detail = serverMessage(e);
    if (status === 429)
      return new ChorusError(
        'RATE_LIMITED',
        `Qdrant rate-limited ${what}`,
        { retryAfterSeconds: undefined },
        { cause: e },
      );
    if (status === 404 && collection) {
      return new ChorusError(
        'COLLECTION_NOT_FOUND',
        `collection ${collection} does not exist`,
        { name: collection },
        { cause: e },
      );
    }
    if (status >= 500)
      return new ChorusError(
        'UNAVAILABLE',
        `Qdrant failed during ${what} (${status}): ${detail}`,
        { status },
        { cause: e },
      );
    return new ChorusError(
      'VALIDATION',
      `Qdrant refused ${what} (${status}): ${detail}`,
      { status },
      { cause: e },
    );
  }
  const msg = (e as Error)?.message ?? String(e);
  if (
    /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|socket/i.test(
      msg + String((e as Error)?.cause ?? ''),
    )
  ) {
    return new ChorusError(
      'UNAVAILABLE',
      `cannot reach Qdrant during ${what}: ${msg}`,
      { reason: 'connection' },
      { cause: e },
    );
  }
  return new ChorusError('INTERNAL', `Qdrant error during ${what}: ${msg}`, undefined, {
    cause: e,
  });
}

function serverMessage(e: unknown): string {
  const data = (e as { data?: { status?: { error?: string } } }).data;
  return data?.status?.error ?? (e as Error).message ?? 'unknown error';
}
