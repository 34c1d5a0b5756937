// Worker for src/api/body/items-body.ts: joins a `POST /v1/items` body's chunks and parses it off the event loop, turns every
// well-formed vector into a Float32Array (transferred back). Anything unusual is left for the main thread, which
// re-reads the body through express.json so errors stay exactly those of the ordinary path.
import { Buffer, isUtf8 } from 'node:buffer';
import { parentPort } from 'node:worker_threads';

const MAX_JSON_DEPTH = 64; // as src/api/middleware/json-guard.ts
const MAX_VECTOR_DIM = 8192; // as NumberList in src/api/routes/search.ts

function tooDeep(buf) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A Float32Array when `v` passes NumberList's checks and stays finite as float32; otherwise undefined. */
function toVector(v) {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_VECTOR_DIM) return undefined;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    out[i] = x;
    if (!Number.isFinite(out[i])) return undefined;
  }
  return out;
}

function parse(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // arrives as a plain Uint8Array
  // Bodies express.json treats specially (BOM, non-object, prototype keys) take the ordinary path.
  if (buf.length === 0 || buf[0] !== 0x7b || !isUtf8(buf) || tooDeep(buf)) return undefined;
  if (buf.includes('__proto__')) return undefined;
  let body;
  try {
    body = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  const transfer = [];
  const items = body?.items;
  if (Array.isArray(items))
    for (const item of items) {
      const vectors = item?.vectors;
      if (!vectors || typeof vectors !== 'object' || Array.isArray(vectors)) continue;
      for (const [name, v] of Object.entries(vectors)) {
        const f = toVector(v);
        if (!f) continue;
        vectors[name] = f;
        transfer.push(f.buffer);
      }
    }
  return { body, transfer };
}

/** The body's chunks as one buffer that owns its whole ArrayBuffer (it may be transferred back). */
function join(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

parentPort.on('message', ({ id, parts }) => {
  const buf = join(parts);
  const r = parse(buf);
  if (r) parentPort.postMessage({ id, body: r.body }, r.transfer);
  else parentPort.postMessage({ id, buf }, [buf.buffer]);
});
