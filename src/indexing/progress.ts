import cliProgress from 'cli-progress';

export interface ProgressState {
  total: number;
  /** Items finished in this process (indexed + skipped + failed). */
  done: number;
  failed: number;
  /** Items already finished by an earlier, interrupted attempt of this run. */
  resumed: number;
}

export interface ProgressReporter {
  update(s: ProgressState): void;
  stop(): void;
}

export interface ReporterOptions {
  stream?: NodeJS.WriteStream;
  /** Plain-line period when not on a TTY. */
  intervalMs?: number;
  quiet?: boolean;
}

/** A cli-progress bar (items/s, ETA, errors) on a TTY; a plain line every few seconds otherwise (logs, CI). */
export function createProgressReporter(opts: ReporterOptions = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update() {}, stop() {} };
  const started = Date.now();
  const rate = (s: ProgressState) => s.done / Math.max(0.001, (Date.now() - started) / 1000);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          'indexing |{bar}| {value}/{total} items | {speed} items/s | ETA {eta_formatted} | errors {errors}',
        etaBuffer: 50,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      update(s) {
        const payload = { speed: rate(s).toFixed(1), errors: s.failed };
        if (!begun) {
          bar.start(s.total, s.resumed + s.done, payload);
          begun = true;
        } else bar.update(s.resumed + s.done, payload);
      },
      stop() {
        if (begun) bar.stop();
        begun = false;
      },
    };
  }
  const every = opts.intervalMs ?? 5000;
  let last = 0;
  let latest: ProgressState | undefined;
  const print = (s: ProgressState) => {
    const r = rate(s);
    const left = s.total - s.resumed - s.done;
    const eta = r > 0 ? `${Math.ceil(left / r)}s` : '?';
    stream.write(
      `indexing: ${s.resumed + s.done}/${s.total} items, ${r.toFixed(1)} items/s, ETA ${eta}, errors ${s.failed}\n`,
    );
  };
  return {
    update(s) {
      latest = s;
      if (Date.now() - last >= every) {
        last = Date.now();
        print(s);
      }
    },
    stop() {
      if (latest) print(latest);
      latest = undefined;
    },
  };
}
