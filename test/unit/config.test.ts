import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, storeBackend } from '../../src/config.js';
import { ChorusError } from '../../src/errors.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'chorus-config-'));

describe('config', () => {
  it('has sane defaults', () => {
    const c = loadConfig({ env: {}, cwd: tmp() });
    expect(c.dataDir).toBe('./chorus-data');
    expect(c.port).toBe(8080);
    expect(c.search.rrfK).toBe(60);
    expect(storeBackend(c)).toBe('lancedb');
  });

  it('layers flags over env over file', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'chorus.config.yaml'),
      'port: 9000\ndataDir: /from-file\nsearch:\n  rrfK: 10\n',
    );
    const env = { CHORUS_PORT: '9100', CHORUS_SEARCH__CANDIDATES_PER_MODALITY: '50' };
    const c = loadConfig({ env, cwd: dir, flags: { port: 9200 } });
    expect(c.port).toBe(9200);
    expect(c.dataDir).toBe('/from-file');
    expect(c.search.rrfK).toBe(10);
    expect(c.search.candidatesPerModality).toBe(50);
  });

  it('parses API keys with scopes and picks qdrant when QDRANT_URL is set', () => {
    const c = loadConfig({
      env: {
        CHORUS_API_KEYS: 'reader-key-1:read,writer-key-1:write',
        QDRANT_URL: 'http://127.0.0.1:6333',
      },
      cwd: tmp(),
    });
    expect(c.apiKeys).toEqual([
      { key: 'reader-key-1', scope: 'read' },
      { key: 'writer-key-1', scope: 'write' },
    ]);
    expect(storeBackend(c)).toBe('qdrant');
  });

  it('names every offending key with its env name and expected form', () => {
    let err: unknown;
    try {
      loadConfig({
        env: { CHORUS_PORT: 'abc', CHORUS_SEARCH__RRF_K: '-1', CHORUS_BOGUS: 'x' },
        cwd: tmp(),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChorusError);
    const msg = (err as ChorusError).message;
    expect(msg).toMatch(/port \(env CHORUS_PORT\)/);
    expect(msg).toMatch(/search\.rrfK \(env CHORUS_SEARCH__RRF_K\)/);
    expect(msg).toMatch(/bogus/i);
    expect((err as ChorusError).exitCode).toBe(2);
  });

  it('names an unknown key and a bad list entry by the variable or key that really exists', () => {
    const message = (env: NodeJS.ProcessEnv, file?: string): string => {
      const dir = tmp();
      if (file) writeFileSync(path.join(dir, 'chorus.config.json'), file);
      try {
        loadConfig({ env, cwd: dir });
      } catch (e) {
        return (e as ChorusError).message;
      }
      throw new Error('expected the config to be refused');
    };
    // A typo'd variable and a typo'd file key: named as themselves, not as "(root) (env CHORUS_)".
    const typo = message({ CHORUS_PROT: '8081' }, '{"search": {"rrfk": 5}}');
    expect(typo).toMatch(/ prot \(env CHORUS_PROT\): unknown setting/);
    expect(typo).toMatch(/ search\.rrfk \(env CHORUS_SEARCH__RRFK\): unknown setting/);
    expect(typo).not.toMatch(/env CHORUS_\)|\(root\)/);
    // API keys come from one variable (key:scope,...): no CHORUS_API_KEYS__KEY or __SCOPE exists.
    const keys = message({ CHORUS_API_KEYS: 'abc,goodkey-123456:superuser' });
    expect(keys).toMatch(/apiKeys\.0\.key \(env CHORUS_API_KEYS\): /);
    expect(keys).toMatch(/apiKeys\.1\.scope \(env CHORUS_API_KEYS\): /);
    expect(keys).not.toMatch(/CHORUS_API_KEYS__/);
  });

  it('keeps events 90 days by default; feedback.retentionDays / CHORUS_FEEDBACK__RETENTION_DAYS, 0 keeps all', () => {
    expect(loadConfig({ env: {}, cwd: '/' }).feedback).toEqual({ retentionDays: 90 });
    const env = (v: string) =>
      loadConfig({ env: { CHORUS_FEEDBACK__RETENTION_DAYS: v }, cwd: '/' });
    expect(env('0').feedback.retentionDays).toBe(0);
    expect(env('365').feedback.retentionDays).toBe(365);
    expect(() => env('-1')).toThrow(/feedback\.retentionDays/);
    expect(() => env('1.5')).toThrow(/CHORUS_FEEDBACK__RETENTION_DAYS/);
  });

  it('cross-checks store=qdrant without a URL', () => {
    expect(() => parseConfig({ store: 'qdrant' })).toThrow(/qdrantUrl/);
  });

  it('rejects a broken config file with its path', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'chorus.config.json'), '{ "port": ');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/chorus\.config\.json/);
  });
});
