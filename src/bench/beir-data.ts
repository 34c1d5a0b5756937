import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ChorusError } from '../errors.js';
import type { Qrels } from './ir-metrics.js';

/** A BEIR-layout folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv. */
export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

export async function* readCorpus(dir: string): AsyncGenerator<BeirDoc> {
  const file = path.join(dir, 'corpus.jsonl');
  if (!existsSync(file))
    throw new ChorusError('BAD_REQUEST', `${dir} is not a BEIR folder: corpus.jsonl is missing`);
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { _id: string | number; title?: string; text?: string };
    yield { id: String(o._id), title: o.title ?? '', text: o.text ?? '' };
  }
}

export function readQueries(dir: string): Map<string, string> {
  const file = path.join(dir, 'queries.jsonl');
  if (!existsSync(file))
    throw new ChorusError('BAD_REQUEST', `${dir} is not a BEIR folder: queries.jsonl is missing`);
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { _id: string | number; text: string };
    out.set(String(o._id), o.text);
  }
  return out;
}

export function readQrels(dir: string, split = 'test'): Map<string, Qrels> {
  const file = path.join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(file)) throw new ChorusError('BAD_REQUEST', `${file} is missing`);
  const out = new Map<string, Qrels>();
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    const [q, d, g] = line.trim().split('\t');
    if (!q || !d || g === undefined || (i === 0 && Number.isNaN(Number(g)))) continue;
    if (!out.has(q)) out.set(q, new Map());
    out.get(q)!.set(d, Number(g));
  }
  return out;
}
