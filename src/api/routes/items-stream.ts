import { isUtf8 } from 'node:buffer';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { CollectionName, type CollectionSchema } from '../../domain/collection.js';
import type { Engine } from '../../engine/engine.js';
import type { WriteProgress } from '../../engine/items.js';
import { ChorusError } from '../../errors.js';
import type { ItemInput } from '../../stores/vector-store.js';
import { sniffModality } from '../media-sniff.js';
import { toErrorBody } from '../middleware/errors.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../middleware/json-guard.js';
import { appliedOf, requestSignal, type TimeoutHooks } from '../middleware/request-timeout.js';
import { ndjsonLines } from '../ndjson-lines.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseQuery } from '../validate.js';
import { ItemBody } from './items.js';

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];
/** Errors listed in the summary; the count is always exact. */
const MAX_LISTED_ERRORS = 1000;

export const StreamQuery = z
  .object({
    collection: CollectionName,
    batch: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'Items per store commit (default 500)' }),
  })
  .strict();

const LineError = z.object({
  line: z.number().int(),
  id: z.string().optional(),
  code: z.string(),
  message: z.string(),
});
export const StreamSummary = z
  .object({
    upserted: z.number().int(),
    failed: z.number().int(),
    lines: z
      .number()
      .int()
      .meta({ description: 'Number of the last line read (blank lines count, are skipped)' }),
    batches: z.number().int(),
    errors: z.array(LineError).meta({
      description: `Per-line errors (line number, item id when known, reason); the first ${MAX_LISTED_ERRORS}`,
    }),
    errorsTruncated: z.boolean(),
  })
  .meta({ id: 'ItemStreamSummary' });

export const itemStreamRoutes = {
  stream: {
    method: 'post',
    path: '/v1/items/stream',
    tag: 'items',
    scope: 'write',
    summary:
      'Upsert a stream of items, one JSON item per line (NDJSON), committed in batches as it arrives',
    description:
      'Each line is an item as in POST /v1/items (`id`, `payload`, `text`, `vectors`, ...). A bad line is reported with its line number and reason and the rest go on. ' +
      'Items are committed every `batch` items, in order; the request timeout counts time without progress. On a 504, `details.appliedThroughLine` says up to which line every good item is stored.',
    query: StreamQuery,
    stream: { contentType: 'application/x-ndjson', description: 'One item JSON object per line' },
    response: StreamSummary,
  },
} satisfies Record<string, RouteSpec>;

interface Pending {
  line: number;
  input: ItemInput;
}

/** Batches lines into store commits and keeps the summary. */
class StreamLoad {
  upserted = 0;
  batches = 0;
  failed = 0;
  appliedThroughLine = 0;
  readonly errors: z.infer<typeof LineError>[] = [];
  private batch: Pending[] = [];
  private progress: WriteProgress = { stage: 'pending' };

  constructor(
    private readonly engine: Engine,
    private readonly schema: CollectionSchema,
    private readonly size: number,
    private readonly signal: AbortSignal,
    private readonly onProgress: () => void,
  ) {}

  fail(line: number, id: string | undefined, err: unknown): void {
    this.failed++;
    const { body } = toErrorBody(err);
    if (this.errors.length < MAX_LISTED_ERRORS)
      this.errors.push({
        line,
        ...(id === undefined ? {} : { id }),
        code: body.error.code,
        message: body.error.message,
      });
  }

  async add(p: Pending): Promise<void> {
    // The same id twice in one commit is ambiguous: commit the earlier one first, so the later line wins.
    if (this.batch.some((b) => b.input.id === p.input.id)) await this.flush();
    this.batch.push(p);
    if (this.batch.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    let batch = this.batch;
    this.batch = [];
    // A store-side rejection that names one item fails that line only; the rest of the batch is retried.
    while (batch.length > 0) {
      this.progress = { stage: 'pending' };
      try {
        const r = await this.engine.commitItems(
          this.schema,
          batch.map((b) => b.input),
          { signal: this.signal, progress: this.progress },
        );
        this.upserted += r.upserted;
        this.batches++;
        this.appliedThroughLine = batch[batch.length - 1]!.line;
        this.onProgress();
        return;
      } catch (e) {
        if (this.signal.aborted) throw e;
        const id =
          e instanceof ChorusError ? (e.details as { id?: unknown } | undefined)?.id : undefined;
        const culprit = batch.find((b) => b.input.id === id);
        const failing = culprit ? [culprit] : batch;
        for (const b of failing) this.fail(b.line, b.input.id, e);
        batch = culprit ? batch.filter((b) => b !== culprit) : [];
      }
    }
  }

  timeoutHooks(): TimeoutHooks {
    return {
      details: () => ({
        applied: appliedOf(this.progress),
        appliedThroughLine: this.appliedThroughLine,
        upserted: this.upserted,
      }),
      inFlight: () => (this.progress.stage === 'storing' ? this.progress.settled : undefined),
      message: () =>
        `: items through line ${this.appliedThroughLine} are stored; resend from the line after (upserts are idempotent by id)`,
    };
  }
}

/** One line to an item ready for the store; throws a ChorusError with the reason. */
async function parseLine(
  engine: Engine,
  schema: CollectionSchema,
  bytes: Buffer,
  signal: AbortSignal,
): Promise<{ id?: string; input?: ItemInput; error?: unknown }> {
  let id: string | undefined;
  try {
    if (!isUtf8(bytes)) throw new ChorusError('BAD_REQUEST', 'the line is not valid UTF-8');
    if (nestedDeeperThan(bytes, MAX_JSON_DEPTH))
      throw new ChorusError('BAD_REQUEST', `the line nests deeper than ${MAX_JSON_DEPTH} levels`);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new ChorusError('BAD_REQUEST', 'the line is not valid JSON');
    }
    const rawId = (json as { id?: unknown } | null)?.id;
    if (typeof rawId === 'string') id = rawId;
    const i = ItemBody.parse(json);
    const image = i.image ? Buffer.from(i.image, 'base64') : undefined;
    const audio = i.audio ? Buffer.from(i.audio, 'base64') : undefined;
    if (image) await sniffModality(image, 'image');
    if (audio) await sniffModality(audio, 'audio');
    const input = await engine.prepareItem(
      schema,
      { id: i.id, payload: i.payload, text: i.text, vectors: i.vectors, image, audio },
      signal,
    );
    return { id, input };
  } catch (error) {
    if (signal.aborted) throw error;
    return { id, error };
  }
}

export function createItemStreamRouter(deps: RouteDeps): Router {
  const router = Router();
  addRoute(router, deps, itemStreamRoutes.stream, async (req, res: Response) => {
    if (!req.is(NDJSON_TYPES)) {
      throw new ChorusError(
        'UNSUPPORTED_MEDIA',
        `expected application/x-ndjson (one JSON item per line), got ${req.headers['content-type'] ?? 'no content type'}`,
      );
    }
    const q = parseQuery(StreamQuery, req);
    const schema = await deps.engine.getCollection(q.collection);
    const signal = requestSignal(res);
    const refresh = (res.locals.refreshTimeout as (() => void) | undefined) ?? (() => {});
    const load = new StreamLoad(deps.engine, schema, q.batch ?? 500, signal, refresh);
    res.locals.timeoutHooks = load.timeoutHooks();
    let lines = 0;
    // One line is one item: the route's body limit bounds a line, not the stream.
    for await (const l of ndjsonLines(req, deps.config.limits.maxItemsBodyBytes)) {
      signal.throwIfAborted();
      lines = l.line;
      if ('error' in l) {
        load.fail(
          l.line,
          undefined,
          new ChorusError('PAYLOAD_TOO_LARGE', `${l.error} (limits.maxItemsBodyBytes)`),
        );
        continue;
      }
      const parsed = await parseLine(deps.engine, schema, l.bytes, signal);
      if (parsed.input) await load.add({ line: l.line, input: parsed.input });
      else load.fail(l.line, parsed.id, parsed.error);
    }
    await load.flush();
    res.json({
      upserted: load.upserted,
      failed: load.failed,
      lines,
      batches: load.batches,
      errors: load.errors,
      errorsTruncated: load.failed > load.errors.length,
    });
  });
  return router;
}
