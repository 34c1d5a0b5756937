import { ChorusError } from '../../src/errors.js';

/**
 * A direct reader for PCM (8/16/24/32-bit) and IEEE-float (32/64-bit) WAV files: about ten times cheaper than
 * a general decoder for the commonest upload. Returns undefined for other encodings (ADPCM, mu-law...), which
 * go to the general decoder. A data chunk shorter than its header claims is a truncated file: an error.
 */
export function readWav(
  bytes: Uint8Array,
): { channelData: Float32Array[]; sampleRate: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (off: number) =>
    String.fromCharCode(bytes[off]!, bytes[off + 1]!, bytes[off + 2]!, bytes[off + 3]!);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= bytes.byteLength) {
    const id = tag(off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= bytes.byteLength) {
      let format = view.getUint16(body, true);
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE subformat
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      const available = bytes.byteLength - body;
      if (size !== 0 && size !== 0xffffffff && available < size) {
        throw new ChorusError(
          'MEDIA_DECODE',
          `the wav file is truncated: its data chunk declares ${size} bytes but only ${available} are present`,
        );
      }
      if (!fmt)
        throw new ChorusError('MEDIA_DECODE', 'the wav file has no fmt chunk before its data');
      const length = size === 0 || size === 0xffffffff ? available : size;
      return pcmChannels(view, body, length, fmt);
    }
    off = body + size + (size & 1);
  }
  throw new ChorusError('MEDIA_DECODE', 'the wav file has no data chunk (truncated or corrupt)');
}

function pcmChannels(
  view: DataView,
  start: number,
  length: number,
  fmt: { format: number; channels: number; rate: number; bits: number },
): { channelData: Float32Array[]; sampleRate: number } | undefined {
  const { format, channels, rate, bits } = fmt;
  const pcm = format === 1 && [8, 16, 24, 32].includes(bits);
  const float = format === 3 && (bits === 32 || bits === 64);
  if ((!pcm && !float) || channels < 1 || !rate) return undefined;
  const width = bits / 8;
  const frames = Math.floor(length / (width * channels));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const p = start + (f * channels + c) * width;
      let v: number;
      if (float) v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
      else if (bits === 16) v = view.getInt16(p, true) / 32768;
      else if (bits === 8) v = (view.getUint8(p) - 128) / 128;
      else if (bits === 24)
        v =
          (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 8388608;
      else v = view.getInt32(p, true) / 2147483648;
      out[c]![f] = v;
    }
  }
  return { channelData: out, sampleRate: rate };
}
