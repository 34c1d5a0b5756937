import express, { type RequestHandler } from 'express';
import { ChorusError } from '../../errors.js';
import { verifyJsonBody } from './json-guard.js';

/** "32 MiB (33554432 bytes)": the figure a client needs to size its batches. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1 << 30, 'GiB'],
    [1 << 20, 'MiB'],
    [1 << 10, 'KiB'],
  ];
  const [size, unit] = units.find(([s]) => n >= s) ?? [1, 'bytes'];
  const shown = size === 1 ? `${n} bytes` : `${Number((n / size).toFixed(1))} ${unit} (${n} bytes)`;
  return shown;
}

/**
 * express.json with a per-route size limit whose 413 names the figure and the setting that raises it.
 * Invalid UTF-8 and absurd nesting stay 400s (verifyJsonBody).
 */
export function jsonBody(limit: number, setting: string): RequestHandler {
  return namingLimit(
    express.json({
      limit,
      strict: true,
      type: ['application/json', 'application/*+json'],
      verify: verifyJsonBody,
    }),
    limit,
    setting,
  );
}

/** The raw bytes of any body (req.body a Buffer) under the same limit and 413 as jsonBody. */
export function rawBody(limit: number, setting: string): RequestHandler {
  return namingLimit(express.raw({ limit, type: () => true }), limit, setting);
}

function namingLimit(parse: RequestHandler, limit: number, setting: string): RequestHandler {
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(
          new ChorusError(
            'PAYLOAD_TOO_LARGE',
            `the request body is over the limit of ${formatBytes(limit)} for this route (${setting})`,
            { limitBytes: limit, setting },
          ),
        );
        return;
      }
      next(err);
    });
}
