import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** A generated input folder for indexing tests: good items of every modality plus deliberately bad files. */
export interface TestCorpus {
  dir: string;
  goodIds: string[];
  /** Good items that carry text (a .txt file). */
  textIds: string[];
  /** Bad item id -> the file the error report must blame (relative to dir). */
  bad: Map<string, string>;
}

const MEDIA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/media');
const WORDS = [
  'red',
  'dress',
  'summer',
  'boots',
  'leather',
  'blue',
  'jeans',
  'silk',
  'scarf',
  'wool',
  'coat',
  'linen',
  'shirt',
  'sandals',
];

/** 16-bit mono PCM WAV with a sine tone. */
export function sineWav(freq: number, seconds = 1, rate = 16000): Buffer {
  const n = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++)
    buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * freq * i) / rate)), 44 + i * 2);
  return buf;
}

export async function solidPng(r: number, g: number, b: number, size = 48): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

/**
 * `texts` text-only items (some with a JSON payload, some nested in folders), `images` image+caption items,
 * `audios` audio items, and five bad items: zero-byte jpg, truncated png, text renamed .wav, a symlink
 * escaping the root, and a payload file that is not JSON.
 */
export async function writeTestCorpus(
  dir: string,
  opts: { texts: number; images: number; audios: number; outside: string },
): Promise<TestCorpus> {
  const goodIds: string[] = [];
  const textIds: string[] = [];
  const put = (rel: string, data: string | Buffer) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  };
  for (let i = 0; i < opts.texts; i++) {
    const id = i % 10 === 0 ? `nested/t${i}` : `t${String(i).padStart(4, '0')}`;
    const words = Array.from({ length: 6 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(
      ' ',
    );
    put(`${id}.txt`, `${words} item ${i}`);
    if (i % 3 === 0) put(`${id}.json`, JSON.stringify({ title: `Item ${i}`, price: i }));
    goodIds.push(id);
    textIds.push(id);
  }
  for (let i = 0; i < opts.images; i++) {
    const id = `img${i}`;
    put(`${id}.png`, await solidPng((i * 40) % 256, (i * 90) % 256, (i * 150) % 256));
    put(`${id}.txt`, `a picture of ${WORDS[i % WORDS.length]}`);
    goodIds.push(id);
    textIds.push(id);
  }
  for (let i = 0; i < opts.audios; i++) {
    const id = `snd${i}`;
    put(`${id}.wav`, sineWav(220 + 110 * i));
    goodIds.push(id);
  }
  // Real product photos and spoken digits from fixtures/media, beside the generated ones.
  for (const name of readdirSync(path.join(MEDIA, 'images'))
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 3)) {
    const id = `photos/${path.basename(name, '.jpg')}`;
    mkdirSync(path.join(dir, 'photos'), { recursive: true });
    copyFileSync(path.join(MEDIA, 'images', name), path.join(dir, `${id}.jpg`));
    goodIds.push(id);
  }
  for (const name of readdirSync(path.join(MEDIA, 'audio', 'digits'))
    .filter((f) => f.endsWith('.wav'))
    .slice(0, 3)) {
    const id = `digits/${path.basename(name, '.wav')}`;
    mkdirSync(path.join(dir, 'digits'), { recursive: true });
    copyFileSync(path.join(MEDIA, 'audio', 'digits', name), path.join(dir, `${id}.wav`));
    goodIds.push(id);
  }
  const bad = new Map<string, string>();
  put('bad-empty.jpg', Buffer.alloc(0));
  bad.set('bad-empty', 'bad-empty.jpg');
  const png = await solidPng(10, 200, 30, 64);
  put('bad-truncated.png', png.subarray(0, Math.floor(png.length / 2)));
  bad.set('bad-truncated', 'bad-truncated.png');
  put('bad-notaudio.wav', 'this is plain text pretending to be a wav file\n'.repeat(20));
  bad.set('bad-notaudio', 'bad-notaudio.wav');
  mkdirSync(opts.outside, { recursive: true });
  writeFileSync(path.join(opts.outside, 'secret.txt'), 'outside the root');
  symlinkSync(path.join(opts.outside, 'secret.txt'), path.join(dir, 'bad-escape.txt'));
  bad.set('bad-escape', 'bad-escape.txt');
  put('bad-payload.txt', 'fine text');
  put('bad-payload.json', '{ this is not json');
  bad.set('bad-payload', 'bad-payload.json');
  return { dir, goodIds: goodIds.sort(), textIds, bad };
}
