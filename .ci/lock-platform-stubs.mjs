// The npm registry this project is built against carries only the linux-x64 builds of packages that ship
// per-platform binaries as optional dependencies, so `npm install` cannot record the other platforms in
// package-lock.json and `npm ci` then refuses the lock ("Missing: ... from lock file"). This adds an
// optional, os/cpu-tagged entry for each missing platform package; npm skips them on non-matching machines.
// Run after any `npm install` that rewrites the lock: `node .ci/lock-platform-stubs.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;

const platformOf = (name) => {
  const os = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openbsd', 'sunos', 'aix'].find(
    (o) => name.includes(o),
  );
  const cpu = ['arm64', 'x64', 'arm', 'ia32', 'riscv64', 'ppc64', 's390x', 'loong64'].find((c) =>
    new RegExp(`(^|[-_])${c}($|[-_])`).test(name.split('/').pop()),
  );
  const libc = /musl/.test(name) ? ['musl'] : /gnu/.test(name) ? ['glibc'] : undefined;
  return { os, cpu, libc };
};

let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path ? `${path}/node_modules/${dep}` : `node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[base] || pkgs[hoisted]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os || !cpu) continue; // not a platform binary package: leave it to npm
    pkgs[hoisted] = {
      version: String(range).replace(/^[\^~=]/, ''),
      cpu: [cpu],
      os: [os],
      ...(libc ? { libc } : {}),
      optional: true,
    };
    added++;
  }
}
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-stubs: added ${added} platform entries`);
