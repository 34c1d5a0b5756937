import { RESERVED_PAYLOAD_KEYS } from '../domain/names.js';
import { ChorusError } from '../errors.js';

/**
 * Refuses a request option naming a payload field (sort, collapse, facets) as the API's schema does, for the
 * embedded library that calls the engine without it: a name of 1 to 64 characters, never one of the engine's own
 * keys (they are not client data: never sorted, grouped, counted or selected on). `details` goes with the error.
 */
export function checkPayloadField(
  field: unknown,
  what: string,
  details: Record<string, unknown>,
): asserts field is string {
  if (typeof field !== 'string' || field.length < 1 || field.length > 64)
    throw new ChorusError(
      'VALIDATION',
      `a ${what} field is a payload field name of 1 to 64 characters`,
      details,
    );
  if (RESERVED_PAYLOAD_KEYS.includes(field))
    throw new ChorusError(
      'VALIDATION',
      `${field} is reserved by the engine, not a payload field`,
      details,
    );
}
