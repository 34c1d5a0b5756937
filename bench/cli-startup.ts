/**
 * CLI start-up benchmark: `chorus --help` (compiled, as the package and images run it) wall time and peak RSS, and a
 * cold `chorus search` on the quickstart data, each beside `node -e 0` measured in the same run.
 *   npx tsx bench/cli-startup.ts [--runs 7]
 * Builds into a temp folder (scripts/build.mjs), lays it out like the installed package, writes
 * bench/results/cli-startup.json. Targets (issue 15): --help <= 300 ms and <= 120 MB; search <= 1.5 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;
const tmp = mkdtempSync(path.join(tmpdir(), 'chorus-cli-bench-'));
const log = (s: string) => process.stderr.write(s + '\n');

interface Sample {
  ms: number;
  maxRssMb: number;
  /** The child's own CPU time (user + system): less sensitive to other load than wall time. */
  cpuMs: number;
}

/** Runs a node command once; peak RSS comes from the child itself (process.resourceUsage at exit, via --import). */
function once(args: string[], cwd: string, env: NodeJS.ProcessEnv): Sample {
  const rssFile = path.join(tmp, `rss-${process.hrtime.bigint()}`);
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, ...args], {
    cwd,
    env: { ...env, RSS_OUT: rssFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [rssKb, cpuUs] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
  return { ms, maxRssMb: rssKb! / 1024, cpuMs: cpuUs! / 1000 };
}

function measure(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, runs = RUNS) {
  once(args, cwd, env); // warm the OS file cache, as a user's second run would
  const samples = Array.from({ length: runs }, () => once(args, cwd, env));
  const sorted = [...samples].sort((a, b) => a.ms - b.ms);
  const cpu = samples.map((s) => s.cpuMs).sort((a, b) => a - b);
  const out = {
    runs,
    medianMs: Math.round(sorted[Math.floor(runs / 2)]!.ms),
    minMs: Math.round(sorted[0]!.ms),
    medianCpuMs: Math.round(cpu[Math.floor(runs / 2)]!),
    maxRssMb: Math.round(Math.max(...samples.map((s) => s.maxRssMb))),
  };
  log(
    `${name.padEnd(28)} median ${out.medianMs} ms (min ${out.minMs}, CPU ${out.medianCpuMs})  peak RSS ${out.maxRssMb} MB`,
  );
  return out;
}

const RSS_HOOK =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';process.on('exit',()=>{if(process.env.RSS_OUT){const u=process.resourceUsage();writeFileSync(process.env.RSS_OUT,u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime))}});",
  );

const before = loadavg();
log(`building into ${tmp} ...`);
execFileSync(
  process.execPath,
  [path.join(ROOT, 'scripts/build.mjs'), '--out', path.join(tmp, 'app/dist')],
  { stdio: 'inherit' },
);
const app = path.join(tmp, 'app');
for (const f of ['package.json', 'bin'])
  cpSync(path.join(ROOT, f), path.join(app, f), { recursive: true });
symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
const data = path.join(tmp, 'data');
mkdirSync(data);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CHORUS_DATA_DIR: data,
  CHORUS_ALLOW_REMOTE_MODELS: 'false',
  CHORUS_EXECUTION_PROVIDERS: 'cpu',
  CHORUS_LOG_LEVEL: 'silent',
};
delete env.CHORUS_FROM_SOURCE;
const bin = path.join(app, 'bin/chorus.js');

const baseline = measure('node -e 0', ['-e', '0'], app, env);
const help = measure('chorus --help (dist)', [bin, '--help'], app, env);
const helpSource = measure(
  'chorus --help (tsx sources)',
  [path.join(ROOT, 'bin/chorus.js'), '--help'],
  ROOT,
  { ...env, CHORUS_FROM_SOURCE: '1' },
  3,
);
log('indexing the quickstart corpus (chorus quickstart --no-serve) ...');
execFileSync(process.execPath, [bin, 'quickstart', '--no-serve'], {
  cwd: app,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const search = measure(
  'chorus search (cold)',
  [bin, 'search', 'red dress', '--collection', 'quickstart', '--json'],
  app,
  env,
  Math.min(RUNS, 5),
);
const after = loadavg();

const result = {
  data: 'quickstart corpus (78 items; offline encoders: BM25, colour layout, openWakeWord)',
  machine: { cpus: cpus().length, node: process.version, loadAverage: { before, after } },
  baseline,
  help,
  helpFromSources: helpSource,
  search,
  overBaselineMs: {
    help: help.medianMs - baseline.medianMs,
    search: search.medianMs - baseline.medianMs,
  },
  overBaselineCpuMs: {
    help: help.medianCpuMs - baseline.medianCpuMs,
    search: search.medianCpuMs - baseline.medianCpuMs,
  },
  targets: { helpMs: 300, helpRssMb: 120, searchMs: 1500 },
  meets: {
    helpMs: help.medianMs <= 300,
    helpRssMb: help.maxRssMb <= 120,
    searchMs: search.medianMs <= 1500,
  },
};
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(ROOT, 'bench/results/cli-startup.json'),
  JSON.stringify(result, null, 2) + '\n',
);
log(
  `load average ${before.map((x) => x.toFixed(2)).join(' / ')} before, ${after.map((x) => x.toFixed(2)).join(' / ')} after; wrote bench/results/cli-startup.json`,
);
rmSync(tmp, { recursive: true, force: true });
