import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { CheckpointStore } from './checkpoint-store.js';

type Line = { ns: string; k: string; v?: unknown; del?: true };

/**
 * A checkpoint store as one append-only JSONL log per data directory. Each put/delete is a single
 * synchronous append, so a kill -9 loses at most the line being written (a torn last line is ignored
 * on replay). Replay keeps the last value per key; the log is compacted when mostly superseded.
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly data = new Map<string, Map<string, unknown>>();
  private lines = 0;

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    if (existsSync(file)) this.replay();
    if (this.lines > 1000 && this.lines > 2 * this.size()) this.compact();
  }

  static inDataDir(dataDir: string): FileCheckpointStore {
    return new FileCheckpointStore(path.join(dataDir, 'jobs', 'checkpoints.jsonl'));
  }

  async list(namespace: string): Promise<Map<string, unknown>> {
    return new Map(this.data.get(namespace) ?? []);
  }

  async get(namespace: string, key: string): Promise<unknown> {
    return this.data.get(namespace)?.get(key);
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    this.append({ ns: namespace, k: key, v: value });
    this.ns(namespace).set(key, value);
  }

  async putMany(namespace: string, entries: [string, unknown][]): Promise<void> {
    if (entries.length === 0) return;
    appendFileSync(
      this.file,
      entries.map(([k, v]) => JSON.stringify({ ns: namespace, k, v }) + '\n').join(''),
    );
    this.lines += entries.length;
    const m = this.ns(namespace);
    for (const [k, v] of entries) m.set(k, v);
  }

  async delete(namespace: string, keys: string[]): Promise<void> {
    const map = this.data.get(namespace);
    const present = keys.filter((k) => map?.has(k));
    if (present.length === 0) return;
    appendFileSync(
      this.file,
      present.map((k) => JSON.stringify({ ns: namespace, k, del: true }) + '\n').join(''),
    );
    this.lines += present.length;
    for (const k of present) map!.delete(k);
  }

  private append(line: Line): void {
    appendFileSync(this.file, JSON.stringify(line) + '\n');
    this.lines++;
  }

  private ns(namespace: string): Map<string, unknown> {
    let m = this.data.get(namespace);
    if (!m) this.data.set(namespace, (m = new Map()));
    return m;
  }

  private size(): number {
    let n = 0;
    for (const m of this.data.values()) n += m.size;
    return n;
  }

  private replay(): void {
    for (const raw of readFileSync(this.file, 'utf8').split('\n')) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a line torn by a crash mid-write
      }
      this.lines++;
      if (line.del) this.data.get(line.ns)?.delete(line.k);
      else this.ns(line.ns).set(line.k, line.v);
    }
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const out: string[] = [];
    for (const [ns, m] of this.data) for (const [k, v] of m) out.push(JSON.stringify({ ns, k, v }));
    writeFileSync(tmp, out.length ? out.join('\n') + '\n' : '');
    renameSync(tmp, this.file);
    this.lines = out.length;
  }
}
