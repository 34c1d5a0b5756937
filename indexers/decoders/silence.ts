/**
 * Energy-based silence trimming: works for any sound (speech, music, tones, noise), unlike a speech detector.
 * A 20 ms frame is "sound" when its RMS is above both an absolute floor and a level relative to the loudest frame.
 */

export interface TrimResult {
  start: number;
  end: number;
  /** False when no frame rose above the floor (the clip is silent). */
  audible: boolean;
}

export function frameDb(
  pcm: Float32Array,
  sampleRate: number,
  frameSeconds = 0.02,
): { db: Float32Array; frame: number } {
  const frame = Math.max(1, Math.round(sampleRate * frameSeconds));
  const n = Math.ceil(pcm.length / frame);
  const db = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    const end = Math.min(pcm.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) s += pcm[i]! * pcm[i]!;
    db[f] = 10 * Math.log10(s / Math.max(1, end - f * frame) + 1e-12);
  }
  return { db, frame };
}

/** Finds the span from the first to the last audible frame, padded by `padSeconds` on each side. */
export function energySpan(
  pcm: Float32Array,
  sampleRate: number,
  opts: { floorDb?: number; relativeDb?: number; padSeconds?: number } = {},
): TrimResult {
  const { db, frame } = frameDb(pcm, sampleRate);
  let peak = -Infinity;
  for (const v of db) peak = Math.max(peak, v);
  const threshold = Math.max(opts.floorDb ?? -55, peak - (opts.relativeDb ?? 45));
  let first = -1;
  let last = -1;
  for (let f = 0; f < db.length; f++) {
    if (db[f]! >= threshold && peak >= (opts.floorDb ?? -55)) {
      if (first < 0) first = f;
      last = f;
    }
  }
  if (first < 0) return { start: 0, end: pcm.length, audible: false };
  const pad = Math.round((opts.padSeconds ?? 0.05) * sampleRate);
  return {
    start: Math.max(0, first * frame - pad),
    end: Math.min(pcm.length, (last + 1) * frame + pad),
    audible: true,
  };
}
