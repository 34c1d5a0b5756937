import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVE_ARGV } from '../crash/serve-command.js';
import { ComposeFile } from './compose-schema.js';
import { contextCopySources, lastStage, parseDockerfile, resolveFrom } from './dockerfile-parse.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const jsonArgs = (args: string) => JSON.parse(args) as string[];

describe('docker/compose.yaml', () => {
  const doc = parse(read('docker/compose.yaml')) as unknown;

  it('is valid against the Compose Specification subset (strict keys, enums, durations)', () => {
    const r = ComposeFile.safeParse(doc);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    // The check itself rejects what the spec rejects.
    expect(ComposeFile.safeParse({ services: { a: { image: 'x', healthchek: {} } } }).success).toBe(
      false,
    );
    expect(
      ComposeFile.safeParse({ services: { a: { depends_on: { b: { condition: 'healthy' } } } } })
        .success,
    ).toBe(false);
  });

  it('runs qdrant, redis and chorus with health checks and volumes; chorus waits for healthy services', () => {
    const c = ComposeFile.parse(doc);
    expect(Object.keys(c.services).sort()).toEqual(['chorus', 'qdrant', 'redis']);
    for (const s of Object.values(c.services)) {
      expect(s.healthcheck?.test).toBeTruthy();
      expect(s.volumes?.length).toBeGreaterThan(0);
      for (const v of s.volumes ?? [])
        expect(Object.keys(c.volumes ?? {})).toContain(v.split(':')[0]);
    }
    const chorus = c.services.chorus!;
    expect(chorus.depends_on).toEqual({
      qdrant: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    const env = chorus.environment as Record<string, string>;
    expect(env.QDRANT_URL).toBe('http://qdrant:6333');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.CHORUS_STORE).toBe('qdrant');
    expect(env.CHORUS_ADMIN_KEY).toMatch(/^\$\{CHORUS_ADMIN_KEY:\?/); // required: never bound open
    const build = chorus.build as { context: string; dockerfile: string };
    expect(existsSync(path.join(ROOT, 'docker', build.context, build.dockerfile))).toBe(true);
  });
});

describe.each([
  ['docker/Dockerfile', 'node:20-bookworm-slim', 'skip'],
  ['docker/Dockerfile.gpu', 'nvidia/cuda:', 'cuda12'],
])('%s', (file, base, ortInstall) => {
  const df = parseDockerfile(read(file));

  it('is multi-stage, on the expected base, installing production deps only', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    expect(resolveFrom(df, df.stages.length - 1)).toContain(base);
    const runs = df.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci --omit=dev/.test(r))).toBe(true);
    expect(
      df.instructions.some(
        (i) => i.op === 'ENV' && i.args.includes(`ONNXRUNTIME_NODE_INSTALL=${ortInstall}`),
      ),
    ).toBe(true);
  });

  it('starts the same `chorus serve` the crash test runs, as a non-root user, with a /healthz HEALTHCHECK', () => {
    const cmd = lastStage(df, 'CMD');
    expect(cmd).toHaveLength(1);
    expect(jsonArgs(cmd[0]!.args)).toEqual(['node', ...SERVE_ARGV]);
    expect(lastStage(df, 'ENTRYPOINT')).toHaveLength(0);
    const user = lastStage(df, 'USER').at(-1)?.args;
    expect(user).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(user);
    const hc = lastStage(df, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toContain('/healthz');
    expect(existsSync(path.join(ROOT, SERVE_ARGV[0]))).toBe(true);
  });

  it('copies only paths that exist in the build context', () => {
    const sources = contextCopySources(df);
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) expect(existsSync(path.join(ROOT, s)), s).toBe(true);
  });

  if (file.endsWith('.gpu')) {
    it('enables the CUDA execution provider first, CPU as fallback', () => {
      expect(
        df.instructions.some(
          (i) => i.op === 'ENV' && i.args.includes('CHORUS_EXECUTION_PROVIDERS=cuda,cpu'),
        ),
      ).toBe(true);
    });
  }
});
