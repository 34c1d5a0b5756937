import { Router } from 'express';
import { z } from 'zod';
import { ChorusError } from '../../errors.js';
import { CollectionName, ItemId } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';
import { meanMetrics, scoreRanking, type QueryMetrics } from '../evaluation.js';
import { RankerSpec, runSide } from './ranker-spec.js';

const JudgmentBody = z
  .object({
    collection: CollectionName,
    query: z.string().min(1).max(4096),
    itemId: ItemId,
    grade: z.number().int().min(0).max(4),
  })
  .strict();
const MediaQueryBody = z
  .object({
    collection: z.string().min(1).max(128),
    kind: z.enum(['image', 'audio']),
    name: z.string().max(256).default(''),
    type: z
      .string()
      .regex(/^(image|audio)\/[\w.+-]{1,64}$/, 'type is an image/* or audio/* media type'),
    data: z.base64().min(1).max(20_000_000),
  })
  .strict();
const EvalBody = z
  .object({
    collection: CollectionName,
    k: z.number().int().min(1).max(100).default(10),
    left: RankerSpec,
    right: RankerSpec,
  })
  .strict();

/** Judgments (grades 0-4 per query and item) and the offline evaluation of two rankers on them. */
export function createJudgmentsRouter(deps: AdminDeps): Router {
  const router = Router();
  const repo = deps.db.judgments;
  router.get('/admin/api/judgments', (req, res) => {
    const q = z
      .object({ collection: CollectionName, query: z.string().optional() })
      .parse(req.query);
    res.json({ judgments: repo.list(q.collection, q.query), queries: repo.queries(q.collection) });
  });
  router.put('/admin/api/judgments', (req, res) => {
    const j = JudgmentBody.parse(req.body ?? {});
    repo.set([j], deps.now?.());
    res.json({ saved: 1 });
  });
  // An image or audio query to judge: its bytes are stored with the judgments, so evaluation can replay it.
  router.post('/admin/api/judgments/media-query', (req, res) => {
    const b = MediaQueryBody.parse(req.body ?? {});
    if (!b.type.startsWith(`${b.kind}/`))
      throw new ChorusError(
        'VALIDATION',
        `an ${b.kind} query needs an ${b.kind}/* type, not ${b.type}`,
      );
    const data = Buffer.from(b.data, 'base64');
    const query = repo.saveMediaQuery(
      b.collection,
      { kind: b.kind, label: b.name, mediaType: b.type, data },
      deps.now?.(),
    );
    res.json({ query, kind: b.kind, label: b.name || query });
  });
  router.get('/admin/api/judgments/media', (req, res) => {
    const q = z
      .object({ collection: z.string().min(1).max(128), query: z.string().min(1).max(4096) })
      .parse(req.query);
    const media = repo.queryMedia(q.collection, q.query);
    if (!media) throw new ChorusError('NOT_FOUND', `no stored media for query ${q.query}`);
    // Stored from an upload: served as an attachment-safe media type only, never as HTML.
    res.setHeader(
      'content-type',
      /^(image|audio)\//.test(media.mediaType) ? media.mediaType : 'application/octet-stream',
    );
    res.setHeader('x-content-type-options', 'nosniff');
    res.send(media.data);
  });
  router.delete('/admin/api/judgments', (req, res) => {
    const j = JudgmentBody.omit({ grade: true }).parse(req.body ?? {});
    res.json({ deleted: repo.remove(j.collection, j.query, j.itemId) });
  });

  router.post('/admin/api/eval', async (req, res) => {
    const b = EvalBody.parse(req.body ?? {});
    type Row = {
      query: string;
      label: string;
      kind: string;
      judged: number;
      left: QueryMetrics;
      right: QueryMetrics;
      delta: number;
    };
    const qrels = [...repo.qrels(b.collection)];
    const rows: Row[] = new Array<Row>(qrels.length);
    // A few queries at a time: enough to overlap encoding and I/O without starving the serving path.
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < qrels.length; i = next++) {
        const [query, grades] = qrels[i]!;
        // Image and audio queries replay their stored bytes; every other judged query is text.
        const media = repo.queryMedia(b.collection, query);
        const spec = media
          ? { collection: b.collection, [media.kind]: media.data.toString('base64'), limit: b.k }
          : { collection: b.collection, text: query, limit: b.k };
        const [l, r] = await Promise.all([
          runSide(deps.engine, spec, b.left),
          runSide(deps.engine, spec, b.right),
        ]);
        const left = scoreRanking(
          l.hits.map((h) => h.id),
          grades,
          b.k,
        );
        const right = scoreRanking(
          r.hits.map((h) => h.id),
          grades,
          b.k,
        );
        rows[i] = {
          query,
          label: media?.label ?? query,
          kind: media?.kind ?? 'text',
          judged: grades.size,
          left,
          right,
          delta: right.ndcg - left.ndcg,
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, qrels.length) }, worker));
    res.json({
      k: b.k,
      queries: rows,
      mean: {
        left: meanMetrics(rows.map((r) => r.left)),
        right: meanMetrics(rows.map((r) => r.right)),
      },
    });
  });
  return router;
}
