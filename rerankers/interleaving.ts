import type { RankedHit } from '../src/domain/candidate.js';
import type { FeedbackEvent } from '../src/domain/feedback.js';
import type { Rng } from './random.js';

/** Impressions of interleaved lists record `ti:<A>|<B>:<teams>` as their ranker version (team letter per position). */
export const INTERLEAVE_PREFIX = 'ti:';
const MAX_TEAM_POSITIONS = 64;

/**
 * Team-draft interleaving (Radlinski et al. 2008): the team with fewer picks (a coin flip on ties) adds its
 * highest-ranked item not yet shown. Clicks are credited to the team that contributed the item.
 */
export function teamDraftInterleave(
  a: readonly RankedHit[],
  b: readonly RankedHit[],
  rng: Rng,
): { hits: RankedHit[]; teams: ('A' | 'B')[] } {
  const used = new Set<string>();
  const hits: RankedHit[] = [];
  const teams: ('A' | 'B')[] = [];
  let ia = 0;
  let ib = 0;
  let na = 0;
  let nb = 0;
  const total = new Set([...a.map((h) => h.id), ...b.map((h) => h.id)]).size;
  while (hits.length < total) {
    const pickA = na < nb || (na === nb && rng.next() < 0.5);
    const [list, idx] = pickA ? [a, ia] : [b, ib];
    let i = idx;
    while (i < list.length && used.has(list[i]!.id)) i++;
    if (i >= list.length) {
      // This team ran out: the other team fills the rest.
      if (pickA) na = Infinity;
      else nb = Infinity;
      if (na === Infinity && nb === Infinity) break;
      continue;
    }
    used.add(list[i]!.id);
    hits.push(list[i]!);
    teams.push(pickA ? 'A' : 'B');
    if (pickA) {
      ia = i + 1;
      na++;
    } else {
      ib = i + 1;
      nb++;
    }
  }
  return { hits, teams };
}

export function interleaveVersionTag(
  versionA: string,
  versionB: string,
  teams: readonly ('A' | 'B')[],
): string {
  return `${INTERLEAVE_PREFIX}${versionA}|${versionB}:${teams.slice(0, MAX_TEAM_POSITIONS).join('')}`;
}

export function parseInterleaveTag(
  tag: string,
): { a: string; b: string; teams: string } | undefined {
  if (!tag.startsWith(INTERLEAVE_PREFIX)) return undefined;
  const m = /^ti:([^|]+)\|([^:]+):([AB]*)$/.exec(tag);
  return m ? { a: m[1]!, b: m[2]!, teams: m[3]! } : undefined;
}

export interface PairOutcome {
  a: string;
  b: string;
  winsA: number;
  winsB: number;
  ties: number;
  /** Share of decided impressions A won (0.5 = no difference). */
  winRateA: number;
}

/** Per-pair win rates from interleaved impressions and their clicks (more clicks on a team's items wins). */
export function interleavingWinRates(events: Iterable<FeedbackEvent>): PairOutcome[] {
  const imps = new Map<string, { a: string; b: string; teamOf: Map<string, string> }>();
  const clicks = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type === 'impression') {
      const t = parseInterleaveTag(e.rankerVersion);
      if (!t) continue;
      const teamOf = new Map<string, string>();
      for (const it of e.items) {
        const team = t.teams[it.position];
        if (team) teamOf.set(it.id, team);
      }
      imps.set(e.queryId, { a: t.a, b: t.b, teamOf });
    } else if (e.type === 'click' && e.queryId) {
      const s = clicks.get(e.queryId) ?? new Set<string>();
      s.add(e.itemId);
      clicks.set(e.queryId, s);
    }
  }
  const pairs = new Map<string, PairOutcome>();
  for (const [qid, imp] of imps) {
    const c = clicks.get(qid);
    if (!c?.size) continue;
    let ca = 0;
    let cb = 0;
    for (const id of c) {
      const team = imp.teamOf.get(id);
      if (team === 'A') ca++;
      else if (team === 'B') cb++;
    }
    // Report each pair in a stable order so (v1, v2) and (v2, v1) impressions add up.
    const flip = imp.a > imp.b;
    const key = flip ? `${imp.b}|${imp.a}` : `${imp.a}|${imp.b}`;
    const p = pairs.get(key) ?? {
      a: flip ? imp.b : imp.a,
      b: flip ? imp.a : imp.b,
      winsA: 0,
      winsB: 0,
      ties: 0,
      winRateA: 0.5,
    };
    const [x, y] = flip ? [cb, ca] : [ca, cb];
    if (x > y) p.winsA++;
    else if (y > x) p.winsB++;
    else p.ties++;
    pairs.set(key, p);
  }
  for (const p of pairs.values())
    p.winRateA = p.winsA + p.winsB > 0 ? p.winsA / (p.winsA + p.winsB) : 0.5;
  return [...pairs.values()];
}
