import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ItemId, JsonValue, type Payload } from '../domain/item.js';
import { VectorName } from '../domain/modality.js';
import { ChorusError } from '../errors.js';
import { parseCsv, CsvSyntaxError } from './csv.js';
import { checkRelativePath, PathOutsideRootError } from './safe-path.js';
import type { SourceItem } from './source-item.js';

/** Columns with a meaning; every other column or key becomes a payload field. */
const RESERVED = new Set(['id', 'text', 'image', 'audio', 'payload', 'vectors']);
/** Longest vector a manifest row may carry (the collection's own dims are checked when indexing). */
const MAX_DIM = 65_536;

/**
 * Reads `manifest.jsonl` (one JSON object per line) or a `.csv` with a header row. Both carry the
 * same columns: `id`, `text`, `image` and `audio` (paths relative to the manifest's folder), an
 * optional `payload` object (a JSON string in CSV), optional precomputed `vectors` ({name: [numbers]}; a JSON
 * string in CSV) stored as given instead of encoding, and any other field as a payload field.
 * A bad row becomes an item with a problem, never an exception, so one typo does not stop a million rows.
 */
export async function readManifest(file: string): Promise<SourceItem[]> {
  const bytes = await readFile(file);
  let text: string;
  try {
    // Decoding leniently would store U+FFFD in place of the bad bytes; refuse the file instead.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ChorusError(
      'BAD_REQUEST',
      `${path.basename(file)} is not valid UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)`,
    );
  }
  const name = path.basename(file);
  const rows = file.toLowerCase().endsWith('.csv') ? csvRows(text, name) : jsonlRows(text, name);
  const seen = new Set<string>();
  const items: SourceItem[] = [];
  for (const row of rows) {
    const item = 'item' in row ? row.item : toSourceItem(row.record, row.origin);
    if (!item.problem && seen.has(item.id)) {
      item.problem = {
        code: 'DUPLICATE_ID',
        reason: `id ${item.id} appears more than once in ${name}`,
        path: item.origin,
      };
    }
    seen.add(item.id);
    items.push(item);
  }
  return items;
}

type Row =
  { record: Record<string, unknown>; origin: string } | { problem: true; item: SourceItem };

function badRow(origin: string, lineNo: number, reason: string): Row {
  return {
    problem: true,
    item: { id: `line-${lineNo}`, origin, problem: { code: 'BAD_ROW', reason, path: origin } },
  };
}

function* jsonlRows(text: string, name: string): Generator<Row> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    const origin = `${name}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      yield badRow(origin, i + 1, `invalid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield badRow(origin, i + 1, 'each line must be a JSON object');
      continue;
    }
    yield { record: value as Record<string, unknown>, origin };
  }
}

function* csvRows(text: string, name: string): Generator<Row> {
  let header: string[] | undefined;
  try {
    for (const { line, fields } of parseCsv(text)) {
      if (!header) {
        header = fields.map((f) => f.trim());
        continue;
      }
      const origin = `${name}:${line}`;
      if (fields.length !== header.length) {
        yield badRow(origin, line, `expected ${header.length} columns, found ${fields.length}`);
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((h, k) => {
        const v = fields[k]!;
        if (v !== '') record[h] = v;
      });
      let bad: string | undefined;
      for (const col of ['payload', 'vectors'] as const) {
        if (typeof record[col] !== 'string') continue;
        try {
          record[col] = JSON.parse(record[col]);
        } catch {
          bad = `the ${col} column is not valid JSON`;
        }
      }
      if (bad) {
        yield badRow(origin, line, bad);
        continue;
      }
      yield { record, origin };
    }
  } catch (e) {
    if (e instanceof CsvSyntaxError) yield badRow(`${name}:${e.line}`, e.line, e.message);
    else throw e;
  }
}

function toSourceItem(record: Record<string, unknown>, origin: string): SourceItem {
  const fail = (code: string, reason: string, id = origin): SourceItem => ({
    id,
    origin,
    problem: { code, reason, path: origin },
  });
  const rawId = record.id;
  const id =
    typeof rawId === 'string' || typeof rawId === 'number'
      ? String(rawId)
      : // No id given: a hash of the row keeps the id stable across runs of the same manifest.
        'h' + createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 16);
  if (!ItemId.safeParse(id).success) return fail('BAD_ROW', `invalid id ${JSON.stringify(rawId)}`);
  const item: SourceItem = { id, origin };
  if (record.text !== undefined) {
    if (typeof record.text !== 'string') return fail('BAD_ROW', 'text must be a string', id);
    item.text = record.text;
  }
  for (const key of ['image', 'audio'] as const) {
    const p = record[key];
    if (p === undefined || p === null || p === '') continue;
    if (typeof p !== 'string') return fail('BAD_ROW', `${key} must be a path string`, id);
    try {
      const rel = checkRelativePath(p);
      if (key === 'image') item.imagePath = rel;
      else item.audioPath = rel;
    } catch (e) {
      if (e instanceof PathOutsideRootError)
        return { id, origin, problem: { code: 'PATH_OUTSIDE_ROOT', reason: e.message, path: p } };
      throw e;
    }
  }
  if (record.vectors !== undefined) {
    const checked = checkVectors(record.vectors);
    if (typeof checked === 'string') return fail('BAD_VECTOR', checked, id);
    item.vectors = checked;
  }
  const payload: Payload = {};
  if (record.payload !== undefined) {
    if (
      typeof record.payload !== 'object' ||
      record.payload === null ||
      Array.isArray(record.payload)
    ) {
      return fail('BAD_ROW', 'payload must be an object', id);
    }
    Object.assign(payload, record.payload);
  }
  for (const [k, v] of Object.entries(record)) {
    if (RESERVED.has(k)) continue;
    payload[k] = v as JsonValue;
  }
  if (!JsonValue.safeParse(payload).success)
    return fail('BAD_ROW', 'payload holds values that are not JSON', id);
  if (Object.keys(payload).length > 0) item.payload = payload;
  return item;
}

/** Shape check of a row's `vectors`: an object of non-empty arrays of finite numbers (the error text otherwise). */
function checkVectors(raw: unknown): Record<string, number[]> | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return 'vectors must be an object of {name: [numbers]}';
  const out: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!VectorName.safeParse(name).success) return `invalid vector name ${JSON.stringify(name)}`;
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_DIM)
      return `vector "${name}" must be a non-empty array of numbers`;
    for (const [i, x] of v.entries())
      if (typeof x !== 'number' || !Number.isFinite(x))
        return `vector "${name}" has a non-finite or non-number value at index ${i}`;
    out[name] = v as number[];
  }
  return out;
}
