import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChorusError } from '../../src/errors.js';

/** One query of a LETOR dataset: dense rows [n x F] and graded labels. */
export interface LetorQuery {
  qid: string;
  n: number;
  rows: Float32Array;
  labels: Float32Array;
}

export interface LetorSet {
  queries: LetorQuery[];
  numFeatures: number;
  maxGrade: number;
}

/**
 * Reads svmlight / LETOR text: `label qid:Q 1:v 2:v ... # comment` per line. Without `qid:` tokens a LightGBM
 * `.query` file beside the data (one group size per line) splits the lines into queries.
 * Feature ids are 1-based; `numFeatures` (optional) fixes the width so train and test files agree.
 */
export function parseSvmlight(
  text: string,
  groupSizes?: number[],
  numFeatures?: number,
  source = 'input',
): LetorSet {
  const raw: { label: number; qid?: string; feats: [number, number][] }[] = [];
  let maxId = 0;
  text.split('\n').forEach((line, ln) => {
    const body = line.split('#')[0]!.trim();
    if (!body) return;
    const tokens = body.split(/\s+/);
    const label = Number(tokens[0]);
    if (!Number.isFinite(label))
      throw new ChorusError(
        'VALIDATION',
        `${source}:${ln + 1}: label "${tokens[0]}" is not a number`,
      );
    let qid: string | undefined;
    const feats: [number, number][] = [];
    for (const t of tokens.slice(1)) {
      const i = t.indexOf(':');
      if (i <= 0)
        throw new ChorusError('VALIDATION', `${source}:${ln + 1}: token "${t}" is not key:value`);
      const key = t.slice(0, i);
      const val = t.slice(i + 1);
      if (key === 'qid') qid = val;
      else {
        const id = Number(key);
        const v = Number(val);
        if (!Number.isInteger(id) || id < 1 || !Number.isFinite(v))
          throw new ChorusError('VALIDATION', `${source}:${ln + 1}: bad feature "${t}"`);
        feats.push([id, v]);
        if (id > maxId) maxId = id;
      }
    }
    raw.push({ label, qid, feats });
  });
  const F = numFeatures ?? maxId;
  const groups: (typeof raw)[] = [];
  const qids: string[] = [];
  if (groupSizes) {
    let at = 0;
    for (const [g, size] of groupSizes.entries()) {
      groups.push(raw.slice(at, at + size));
      qids.push(String(g));
      at += size;
    }
    if (at !== raw.length)
      throw new ChorusError(
        'VALIDATION',
        `${source}: .query group sizes sum to ${at}, the data has ${raw.length} lines`,
      );
  } else {
    let last: string | undefined;
    for (const r of raw) {
      if (r.qid === undefined)
        throw new ChorusError(
          'VALIDATION',
          `${source}: lines need qid:Q (or a .query group file beside the data)`,
        );
      if (r.qid !== last) {
        groups.push([]);
        qids.push(r.qid);
        last = r.qid;
      }
      groups[groups.length - 1]!.push(r);
    }
  }
  let maxGrade = 0;
  const queries = groups.map((g, qi) => {
    const rows = new Float32Array(g.length * F);
    const labels = new Float32Array(g.length);
    g.forEach((r, i) => {
      labels[i] = r.label;
      if (r.label > maxGrade) maxGrade = r.label;
      for (const [id, v] of r.feats) if (id <= F) rows[i * F + id - 1] = v;
    });
    return { qid: qids[qi]!, n: g.length, rows, labels };
  });
  return { queries: queries.filter((q) => q.n > 0), numFeatures: F, maxGrade };
}

/** Reads a file, with its LightGBM `.query` group file when one sits beside it (`train.txt.query` or `train.query`). */
export function readSvmlightFile(file: string, numFeatures?: number): LetorSet {
  if (!existsSync(file)) throw new ChorusError('NOT_FOUND', `LETOR file ${file} does not exist`);
  const text = readFileSync(file, 'utf8');
  const candidates = [
    `${file}.query`,
    path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.query`),
  ];
  const qf = candidates.find((p) => existsSync(p));
  const groups = qf
    ? readFileSync(qf, 'utf8')
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(Number)
    : undefined;
  return parseSvmlight(text, groups, numFeatures, file);
}

export interface LetorSplit {
  name: string;
  train: LetorSet;
  vali?: LetorSet;
  test: LetorSet;
}

/** A LETOR folder: `Fold1..Fold5/{train,vali,test}.txt` (every fold found), or the three files at its top. */
export function readLetorFolder(dir: string): LetorSplit[] {
  const folds = [1, 2, 3, 4, 5]
    .map((i) => path.join(dir, `Fold${i}`))
    .filter((d) => existsSync(path.join(d, 'train.txt')));
  const roots = folds.length ? folds : [dir];
  return roots.map((root) => {
    const train = readSvmlightFile(path.join(root, 'train.txt'));
    const F = train.numFeatures;
    const vali = existsSync(path.join(root, 'vali.txt'))
      ? readSvmlightFile(path.join(root, 'vali.txt'), F)
      : undefined;
    const test = readSvmlightFile(path.join(root, 'test.txt'), F);
    return { name: path.basename(root), train, vali, test };
  });
}

export function toSvmlight(set: LetorSet): string {
  const F = set.numFeatures;
  const lines: string[] = [];
  for (const q of set.queries) {
    for (let i = 0; i < q.n; i++) {
      const feats: string[] = [];
      for (let f = 0; f < F; f++) feats.push(`${f + 1}:${+q.rows[i * F + f]!.toPrecision(6)}`);
      lines.push(`${q.labels[i]} qid:${q.qid} ${feats.join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}
