import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const CHILD = path.resolve(import.meta.dirname, 'crash-child.ts');
/** How long a child may go without reaching its kill point before the harness calls it stuck (and kills it). */
export const PROGRESS_MS = 300_000;

/**
 * Starts the crash child, waits until it has acknowledged `killAfterAcks` batches, then waits `extraMs`
 * (so the kill lands while the next batch is being written) and sends SIGKILL. Returns the acknowledged batches.
 */
export async function runAndKill(opts: {
  mode: 'lancedb' | 'lancedb-mapped' | 'sqlite';
  dataDir: string;
  first: number;
  batchSize: number;
  killAfterAcks: number;
  extraMs: number;
}): Promise<{ acked: number[]; signal: NodeJS.Signals | null }> {
  // `node --import tsx` runs the script in this very process; the tsx CLI would fork a grandchild that survives the kill.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, opts.mode, opts.dataDir, String(opts.first), String(opts.batchSize)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acked: number[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  // 'close' comes after the pipes drain: ACK lines the child wrote just before the kill still count.
  const drained = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    // Starting tsx and opening the store takes 20-40 s on a loaded CI machine: wait long before calling it stuck.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child made no progress in ${PROGRESS_MS / 1000} s; stderr: ${stderr}`));
    }, PROGRESS_MS);
    lines.on('line', (line) => {
      const m = /^ACK (\d+)$/.exec(line);
      if (!m) return;
      acked.push(Number(m[1]));
      if (acked.length === opts.killAfterAcks) {
        clearTimeout(timer);
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, opts.extraMs);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      if (acked.length < opts.killAfterAcks)
        reject(new Error(`child exited early; stderr: ${stderr}`));
    });
  });
  const signal = await exited;
  // Lines written before the kill landed are acknowledgements too.
  await drained;
  lines.close();
  return { acked, signal };
}
