/** A minimal Dockerfile reader: enough to check stages, CMD, USER and COPY sources (no Docker engine here). */
export interface Instruction {
  op: string;
  args: string;
  stage: number;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: { from: string; name?: string }[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim().startsWith('#') || !line.trim())) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const instructions: Instruction[] = [];
  const stages: Dockerfile['stages'] = [];
  for (const l of logical) {
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(l);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined });
    }
    instructions.push({ op, args, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

/** ARG defaults declared before the first FROM, used to resolve `FROM ${NODE_IMAGE}`. */
export function resolveFrom(df: Dockerfile, stage: number): string {
  const args = new Map<string, string>();
  for (const i of df.instructions) {
    if (i.op === 'ARG' && i.stage === -1) {
      const [k, v] = i.args.split('=');
      if (k && v) args.set(k, v);
    }
  }
  return df.stages[stage]!.from.replace(
    /\$\{(\w+)\}/g,
    (_, k: string) => args.get(k) ?? `\${${k}}`,
  );
}

export function lastStage(df: Dockerfile, op: string): Instruction[] {
  const last = df.stages.length - 1;
  return df.instructions.filter((i) => i.stage === last && i.op === op);
}

/** COPY sources taken from the build context (not `--from=stage`). */
export function contextCopySources(df: Dockerfile): string[] {
  const out: string[] = [];
  for (const i of df.instructions) {
    if (i.op !== 'COPY' && i.op !== 'ADD') continue;
    const parts = i.args.split(/\s+/);
    if (parts.some((p) => p.startsWith('--from='))) continue;
    const paths = parts.filter((p) => !p.startsWith('--'));
    out.push(...paths.slice(0, -1));
  }
  return out;
}
