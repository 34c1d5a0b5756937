import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig } from '../config.js';
import { ChorusError } from '../errors.js';
import { FEEDBACK_STATE_FILE } from '../feedback/feedback-state.js';
import { LEXICAL_FILE } from '../lexical/bm25-index.js';
import { CHORUS_DB_FILE } from '../storage/chorus-db.js';
import { itemBatches } from '../stores/item-batches.js';

/** What a backup holds, written beside it as BACKUP.json. */
export interface BackupReport {
  createdAt: string;
  /** Collections in the backup with their items (read back from the copy) and BM25 documents. */
  collections: { name: string; items: number; lexicalDocuments: number; lexicalRebuilt: boolean }[];
  bytes: number;
}

const LANCE_DIR = 'lancedb';
/** Copied first in a Lance table: a version's manifest is written after its data files, never before. */
const LANCE_META = ['_versions', '_transactions'];
/** A hint newer than the manifests copied would point past them: Lance lists the manifests without it. */
const LANCE_HINT = 'latest_version_hint.json';
const ANN_MANIFEST = 'manifest.json';

/**
 * A consistent copy of a data directory while a server may be writing to it, into `out` (written as `out.partial`,
 * renamed when verified). SQLite files through SQLite's online backup API (a consistent snapshot whatever writes
 * go on); each LanceDB table by its version manifests first, then its data files: files are immutable and a
 * manifest is committed after the files it names, so every manifest copied has its files (data of versions
 * committed during the copy may be partial, but no copied manifest names them). The BM25 index is copied last and
 * then checked against the copied store: when they disagree (writes landed between the two copies) it is rebuilt
 * from the copy, so the backup never answers a text search with an item it lacks. Every table is read back whole
 * before the backup is named done.
 */
export async function backupDataDir(
  dataDir: string,
  out: string,
  o: { storeBackend?: 'lancedb' | 'qdrant'; say?: (line: string) => void } = {},
): Promise<BackupReport> {
  const from = path.resolve(dataDir);
  const to = path.resolve(out);
  if (!existsSync(path.join(from, CHORUS_DB_FILE)))
    throw new ChorusError(
      'NOT_FOUND',
      `${from} is not a Chorus data directory (no ${CHORUS_DB_FILE})`,
    );
  if (to === from || to.startsWith(from + path.sep) || from.startsWith(to + path.sep))
    throw new ChorusError('BAD_REQUEST', `the backup must go outside the data directory (${from})`);
  if (existsSync(to) && (!statSync(to).isDirectory() || readdirSync(to).length > 0))
    throw new ChorusError('BAD_REQUEST', `${to} exists and is not empty: name a new directory`);
  const partial = `${to}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const say = o.say ?? (() => {});
  try {
    let bytes = 0;
    // The event log, settings and write journal, then the serving state: before the store, so the journal covers
    // the writes the store copy may hold that the BM25 copy lacks.
    for (const file of [CHORUS_DB_FILE, FEEDBACK_STATE_FILE])
      bytes += await sqliteBackup(from, partial, file, say);
    const before = tableVersions(path.join(from, LANCE_DIR));
    if (existsSync(path.join(from, LANCE_DIR))) {
      say('copying the LanceDB tables');
      let copied = 0;
      let shown = Date.now();
      const r = copyLance(path.join(from, LANCE_DIR), path.join(partial, LANCE_DIR), (n) => {
        copied += n;
        if (Date.now() - shown < 5_000) return;
        shown = Date.now();
        say(`copied ${(copied / 1e6).toFixed(0)} MB of LanceDB files so far`);
      });
      bytes += r;
    }
    bytes += await sqliteBackup(from, partial, LEXICAL_FILE, say);
    // A table that got a version while the store and BM25 were copied may disagree with its BM25 copy.
    const after = tableVersions(path.join(from, LANCE_DIR));
    const written = new Set(
      [...after].filter(([t, v]) => [...v].some((m) => !before.get(t)?.has(m))).map(([t]) => t),
    );
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.name === LANCE_DIR || isSqliteFile(entry.name)) continue;
      bytes += copyTree(path.join(from, entry.name), path.join(partial, entry.name));
    }
    const collections = await verify(partial, o.storeBackend ?? 'lancedb', written, say);
    const report: BackupReport = {
      createdAt: new Date().toISOString(),
      collections,
      bytes,
    };
    writeFileSync(
      path.join(partial, 'BACKUP.json'),
      JSON.stringify({ ...report, from }, null, 2) + '\n',
    );
    if (existsSync(to)) rmSync(to, { recursive: true });
    renameSync(partial, to);
    return report;
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

function isSqliteFile(name: string): boolean {
  return [CHORUS_DB_FILE, FEEDBACK_STATE_FILE, LEXICAL_FILE].some(
    (f) => name === f || name === `${f}-wal` || name === `${f}-shm` || name === `${f}-journal`,
  );
}

async function sqliteBackup(
  from: string,
  to: string,
  file: string,
  say: (l: string) => void,
): Promise<number> {
  const source = path.join(from, file);
  if (!existsSync(source)) return 0;
  say(`copying ${file}`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(path.join(to, file));
  } finally {
    db.close();
  }
  return statSync(path.join(to, file)).size;
}

/** Copies a file or a tree; a file that goes away meanwhile (replaced by a newer one) is skipped. */
/** Told the size of each file copied (progress lines). */
type OnBytes = (bytes: number) => void;

function copyTree(
  from: string,
  to: string,
  skip: (name: string) => boolean = () => false,
  onBytes?: OnBytes,
): number {
  let st;
  try {
    st = statSync(from);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    let bytes = 0;
    for (const name of readdirSync(from))
      if (!skip(name))
        bytes += copyTree(path.join(from, name), path.join(to, name), undefined, onBytes);
    return bytes;
  }
  try {
    copyFileSync(from, to);
    onBytes?.(st.size);
    return st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

function copyLance(from: string, to: string, onBytes?: OnBytes): number {
  mkdirSync(to, { recursive: true });
  let bytes = 0;
  for (const name of readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    if (name.endsWith('.lance') && statSync(src).isDirectory()) {
      mkdirSync(dst);
      for (const meta of LANCE_META)
        bytes += copyTree(
          path.join(src, meta),
          path.join(dst, meta),
          (f) => f === LANCE_HINT,
          onBytes,
        );
      for (const sub of readdirSync(src))
        if (!LANCE_META.includes(sub))
          bytes += copyTree(path.join(src, sub), path.join(dst, sub), undefined, onBytes);
    } else if (name.endsWith('.ann') && statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true });
      bytes += copyAnn(src, dst, onBytes);
    } else bytes += copyTree(src, dst, undefined, onBytes);
  }
  return bytes;
}

/**
 * An ANN index directory, its manifest first: the files it names were written before it. One that went away meanwhile
 * (a newer generation replaced it) leaves an index the loader cannot open, and it rebuilds from the table, as it does
 * for any stale index.
 */
function copyAnn(from: string, to: string, onBytes?: OnBytes): number {
  let bytes = copyTree(
    path.join(from, ANN_MANIFEST),
    path.join(to, ANN_MANIFEST),
    undefined,
    onBytes,
  );
  bytes += copyTree(from, to, (name) => name === ANN_MANIFEST || name.endsWith('.tmp'), onBytes);
  return bytes;
}

/** Each table's version manifests (by collection name): a new one is a write. */
function tableVersions(lanceDir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (!existsSync(lanceDir)) return out;
  for (const name of readdirSync(lanceDir)) {
    if (!name.endsWith('.lance')) continue;
    const versions = path.join(lanceDir, name, '_versions');
    out.set(
      name.slice(0, -'.lance'.length),
      new Set(existsSync(versions) ? readdirSync(versions).filter((f) => f !== LANCE_HINT) : []),
    );
  }
  return out;
}

/**
 * Opens the copy as Chorus would and reads every table back; rebuilds BM25 from the copied store for the tables
 * written during the copy (their BM25 copy is later than their store copy) and wherever a BM25 document has no item.
 */
async function verify(
  dir: string,
  storeBackend: 'lancedb' | 'qdrant',
  written: ReadonlySet<string>,
  say: (l: string) => void,
): Promise<BackupReport['collections']> {
  if (storeBackend === 'qdrant') return []; // the vectors are in Qdrant: its snapshots back them up
  const { buildChorus } = await import('./build.js');
  const chorus = await buildChorus(
    parseConfig({ dataDir: dir, logLevel: 'silent', store: 'lancedb' }),
    {
      encoders: 'none',
      indexMaintenance: 'inline',
    },
  );
  try {
    const out: BackupReport['collections'] = [];
    for (const schema of await chorus.engine.listCollections()) {
      const ids = new Set<string>();
      for await (const batch of itemBatches(chorus.store, schema.name))
        for (const item of batch) ids.add(item.id);
      const stored = await chorus.store.count(schema.name);
      if (ids.size !== stored)
        throw new ChorusError(
          'INTERNAL',
          `the copy of ${schema.name} reads ${ids.size} items of ${stored}`,
        );
      const items = ids.size;
      let lexicalRebuilt = false;
      const orphans = chorus.bm25.documentIds(schema.name).some((id) => !ids.has(id));
      if (written.has(schema.name) || orphans) {
        say(
          `rebuilding the BM25 documents of ${schema.name} in the copy (written while it was taken)`,
        );
        await chorus.engine.rebuildLexical(schema.name);
        lexicalRebuilt = true;
      }
      out.push({
        name: schema.name,
        items,
        lexicalDocuments: chorus.bm25.count(schema.name),
        lexicalRebuilt,
      });
    }
    return out;
  } finally {
    await chorus.close();
  }
}
