import type { Request } from 'express';
import type { z } from 'zod';

/** Parses one part of a request with its zod schema; a ZodError becomes a 400 in the error middleware. */
export function parseBody<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse(req.body ?? {});
}

export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse({ ...(req.query as object) });
}

export function parseParams<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse({ ...req.params });
}
