import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Hostile inputs generated in code (no binary fixtures to go stale): each one targets a decoder or
 * validator edge. Small enough to build in milliseconds.
 */

export async function smallPng(seed = 1): Promise<Buffer> {
  const r = (seed * 53) % 256;
  return sharp({
    create: {
      width: 24,
      height: 24,
      channels: 3,
      background: { r, g: 255 - r, b: (seed * 97) % 256 },
    },
  })
    .png()
    .toBuffer();
}

/** A real JPEG cut in half: the header parses, the scan data stops early. */
export async function truncatedJpeg(): Promise<Buffer> {
  const noise = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const full = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A decompression bomb: a valid PNG header declaring 100000 x 100000 pixels (10^10) in a few hundred bytes. */
export function pngBomb(side = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.alloc(64 * 1024)); // zeros compress to almost nothing
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PCM WAV (8-bit mono) of `seconds` of near-silence at `rate` Hz. */
export function wav8(seconds: number, rate = 1000): Buffer {
  const n = Math.round(seconds * rate);
  const out = Buffer.alloc(44 + n, 128);
  writeWavHeader(out, rate, 1, 8, n);
  for (let i = 0; i < n; i += 50) out[44 + i] = 128 + ((i / 50) % 2 ? 20 : -20); // a faint tick, so it is not pure silence
  return out;
}

function writeWavHeader(
  out: Buffer,
  rate: number,
  channels: number,
  bits: number,
  dataBytes: number,
): void {
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE((rate * channels * bits) / 8, 28);
  out.writeUInt16LE((channels * bits) / 8, 32);
  out.writeUInt16LE(bits, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
}

/** RIFF/WAVE magic (so it sniffs as audio) but a fmt chunk with zero channels, an absurd rate and 0 bits. */
export function wavBadHeader(): Buffer {
  const out = Buffer.alloc(44 + 400, 7);
  writeWavHeader(out, 0, 0, 0, 400);
  out.writeUInt16LE(0x7777, 20); // unknown audio format code
  return out;
}

/** A header claiming two hours of 16 kHz 16-bit audio, followed by one second of data. */
export function wavClaimsTwoHours(): Buffer {
  const rate = 16_000;
  const claimed = 2 * 3600 * rate * 2;
  const out = Buffer.alloc(44 + rate * 2);
  writeWavHeader(out, rate, 1, 16, claimed);
  return out;
}

/** Latin-1 bytes that are not valid UTF-8 (é as 0xE9 followed by ASCII). */
export const NON_UTF8_TEXT = Buffer.from([
  0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72, 0xff, 0xfe, 0x0a,
]);

export function deeplyNested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
