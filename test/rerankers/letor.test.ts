import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clickProbability } from '../../rerankers/letor/click-simulation.js';
import {
  parseSvmlight,
  readLetorFolder,
  readSvmlightFile,
  toSvmlight,
} from '../../rerankers/letor/svmlight.js';
import { generateSyntheticLetor } from '../../rerankers/letor/synthetic.js';
import { letorShape, runUltr, toEval } from '../../rerankers/letor/ultr-experiment.js';
import { searchHyperparameters } from '../../rerankers/model/hyperparameter-search.js';
import { fit } from '../../rerankers/model/trainer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chorus-letor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LETOR / svmlight reader', () => {
  it('parses qid lines, comments and sparse features', () => {
    const set = parseSvmlight('2 qid:10 1:0.5 3:1 # doc a\n0 qid:10 2:-1\n1 qid:11 1:2\n');
    expect(set.numFeatures).toBe(3);
    expect(set.maxGrade).toBe(2);
    expect(set.queries.map((q) => [q.qid, q.n])).toEqual([
      ['10', 2],
      ['11', 1],
    ]);
    expect([...set.queries[0]!.rows]).toEqual([0.5, 0, 1, 0, -1, 0]);
    expect(() => parseSvmlight('1 1:0.5\n')).toThrow(/qid/);
    expect(() => parseSvmlight('x qid:1 1:2\n')).toThrow(/label/);
  });

  it('reads LightGBM files with a .query group file and LETOR fold folders', () => {
    writeFileSync(path.join(dir, 'train.txt'), '1 1:1 2:2\n0 1:3\n2 2:5\n');
    writeFileSync(path.join(dir, 'train.txt.query'), '2\n1\n');
    const set = readSvmlightFile(path.join(dir, 'train.txt'));
    expect(set.queries.map((q) => q.n)).toEqual([2, 1]);
    const data = generateSyntheticLetor({ queries: 6, docsPerQuery: 5, numFeatures: 4, seed: 2 });
    for (const fold of ['Fold1', 'Fold2']) {
      mkdirSync(path.join(dir, 'letor', fold), { recursive: true });
      for (const split of ['train', 'vali', 'test'])
        writeFileSync(path.join(dir, 'letor', fold, `${split}.txt`), toSvmlight(data));
    }
    const splits = readLetorFolder(path.join(dir, 'letor'));
    expect(splits.map((s) => s.name)).toEqual(['Fold1', 'Fold2']);
    expect(splits[0]!.test.queries).toHaveLength(6);
    expect(splits[0]!.train.queries[0]!.labels).toEqual(data.queries[0]!.labels);
  });

  it('maps fewer grades evenly onto the click vector', () => {
    expect(clickProbability(0, 1)).toBe(0.1);
    expect(clickProbability(1, 1)).toBe(1);
    expect(clickProbability(1, 2)).toBe(0.28);
    expect(clickProbability(3, 4)).toBe(0.52);
  });
});

describe('synthetic LETOR and the ULTR experiment', () => {
  it('generates deterministic skewed grades', () => {
    const a = generateSyntheticLetor({ queries: 20, seed: 5 });
    const b = generateSyntheticLetor({ queries: 20, seed: 5 });
    expect([...a.queries[3]!.rows]).toEqual([...b.queries[3]!.rows]);
    const grades = a.queries.flatMap((q) => [...q.labels]);
    expect(grades.filter((g) => g === 0).length).toBeGreaterThan(
      grades.filter((g) => g === 4).length * 5,
    );
  });

  it('IPS beats naive click training and approaches the skyline', () => {
    const train = generateSyntheticLetor({ queries: 300, seed: 1 });
    const vali = generateSyntheticLetor({ queries: 60, seed: 2 });
    const test = generateSyntheticLetor({ queries: 100, seed: 3 });
    const r = runUltr(train, vali, test, {
      seed: 3,
      sessions: 8000,
      propensity: 'true',
      fit: { epochs: 25 },
    });
    expect(r.production).toBeLessThan(r.skyline);
    expect(r.ips).toBeGreaterThan(r.naive);
    expect(r.ips).toBeGreaterThan(0.9 * r.skyline);
    expect(r.propensities[0]).toBe(1);
  });

  it('hyperparameter search picks the trial with the best validation nDCG', () => {
    const train = generateSyntheticLetor({ queries: 60, seed: 8 }).queries.map((q) => ({
      n: q.n,
      rows: q.rows,
      relevance: q.labels,
    }));
    const validation = generateSyntheticLetor({ queries: 20, seed: 9 }).queries.map(toEval);
    const s = searchHyperparameters(
      train,
      { shape: letorShape(20), validation, epochs: 5 },
      { mode: 'random', trials: 3, space: { lr: [0.001, 0.03], hidden: [4, 8] } },
    );
    expect(s.trials).toHaveLength(3);
    expect(s.best.validationNdcg).toBe(Math.max(...s.trials.map((t) => t.validationNdcg)));
    // Deterministic under a seed.
    const again = fit(train, { shape: letorShape(20), validation, epochs: 3, seed: 4 });
    const twice = fit(train, { shape: letorShape(20), validation, epochs: 3, seed: 4 });
    expect([...again.model.params]).toEqual([...twice.model.params]);
  });
});
