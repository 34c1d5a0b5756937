import { checkClientFeedback } from '../../api/feedback-checks.js';
import { FeedbackEvent } from '../../domain/feedback.js';
import type { Engine } from '../../engine/engine.js';
import { ChorusError } from '../../errors.js';
import { readFeedbackRecords } from './read-events.js';

export interface ImportRejection {
  line: number;
  eventId?: string;
  reason: string;
}

export interface ImportProgress {
  /** Records read so far. */
  done: number;
  accepted: number;
  duplicates: number;
  rejected: ImportRejection[];
}

/**
 * Validates each record as POST /v1/feedback does (schema, known collection, timestamp range) and ingests the good
 * ones in batches; a bad record is rejected with its line and reason, never aborting the rest.
 */
export async function importFeedback(
  engine: Pick<Engine, 'getCollection' | 'ingest'>,
  text: string,
  format: 'jsonl' | 'csv',
  opts: { batch: number; onProgress?: (p: ImportProgress) => void },
): Promise<ImportProgress> {
  const p: ImportProgress = { done: 0, accepted: 0, duplicates: 0, rejected: [] };
  const known = new Map<string, boolean>();
  let pending: { line: number; event: FeedbackEvent }[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const r = await engine.ingest(pending.map((x) => x.event));
    p.accepted += r.accepted;
    p.duplicates += r.duplicates;
    pending = [];
    opts.onProgress?.(p);
  };
  for (const rec of readFeedbackRecords(text, format)) {
    p.done++;
    if ('error' in rec) {
      p.rejected.push({ line: rec.line, reason: rec.error });
      continue;
    }
    const parsed = FeedbackEvent.safeParse(rec.value);
    const eventId =
      typeof (rec.value as { eventId?: unknown })?.eventId === 'string'
        ? (rec.value as { eventId: string }).eventId
        : undefined;
    if (!parsed.success) {
      p.rejected.push({
        line: rec.line,
        eventId,
        reason: parsed.error.issues
          .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
          .join('; '),
      });
      continue;
    }
    const event = parsed.data;
    if (!known.has(event.collection)) {
      known.set(
        event.collection,
        await engine.getCollection(event.collection).then(
          () => true,
          () => false,
        ),
      );
    }
    try {
      if (!known.get(event.collection))
        throw new ChorusError(
          'COLLECTION_NOT_FOUND',
          `collection "${event.collection}" does not exist`,
        );
      await checkClientFeedback(engine, [event]);
    } catch (e) {
      p.rejected.push({ line: rec.line, eventId, reason: (e as Error).message });
      continue;
    }
    pending.push({ line: rec.line, event });
    if (pending.length >= opts.batch) await flush();
  }
  await flush();
  return p;
}
