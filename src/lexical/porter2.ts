/**
 * English (Porter2) stemmer, after the Snowball specification
 * (https://snowballstem.org/algorithms/english/stemmer.html).
 * Written here rather than pulled from npm: the maintained option (`natural`) is a large general NLP
 * bundle, and the algorithm is ~200 lines that we can test directly against the published vocabulary.
 */

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const DOUBLES = ['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt'];
const LI_ENDINGS = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};
const AFTER_1A = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);

const isVowel = (c: string | undefined): boolean => c !== undefined && VOWELS.has(c);

/** Start of the region after the first non-vowel following a vowel, from `from`. */
function regionStart(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) {
    if (!isVowel(w[i]) && isVowel(w[i - 1])) return i + 1;
  }
  return w.length;
}

function shortSyllableAt(w: string, end: number): boolean {
  // The syllable ends at index end-1.
  if (end === 2) return isVowel(w[0]) && !isVowel(w[1]);
  if (end < 3) return false;
  const a = w[end - 3];
  const b = w[end - 2];
  const c = w[end - 1];
  return !isVowel(a) && isVowel(b) && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y';
}

const isShortWord = (w: string, r1: number): boolean =>
  r1 >= w.length && shortSyllableAt(w, w.length);

/** Longest suffix of `w` from the list (lists are sorted longest first). */
function longest(w: string, suffixes: readonly string[]): string | undefined {
  for (const s of suffixes) if (w.endsWith(s)) return s;
  return undefined;
}

const byLength = (xs: string[]): string[] => xs.sort((a, b) => b.length - a.length);

const STEP1B = byLength(['eedly', 'ingly', 'edly', 'eed', 'ing', 'ed']);
const STEP2: Record<string, string> = {
  ization: 'ize',
  ational: 'ate',
  fulness: 'ful',
  ousness: 'ous',
  iveness: 'ive',
  tional: 'tion',
  biliti: 'ble',
  lessli: 'less',
  entli: 'ent',
  ation: 'ate',
  alism: 'al',
  aliti: 'al',
  ousli: 'ous',
  iviti: 'ive',
  fulli: 'ful',
  enci: 'ence',
  anci: 'ance',
  abli: 'able',
  izer: 'ize',
  ator: 'ate',
  alli: 'al',
  bli: 'ble',
  ogi: 'og',
  li: '',
};
const STEP2_KEYS = byLength(Object.keys(STEP2));
const STEP3: Record<string, string> = {
  ational: 'ate',
  tional: 'tion',
  alize: 'al',
  icate: 'ic',
  iciti: 'ic',
  ative: '',
  ical: 'ic',
  ness: '',
  ful: '',
};
const STEP3_KEYS = byLength(Object.keys(STEP3));
const STEP4 = byLength([
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
]);

export function stem(input: string): string {
  if (input.length <= 2) return input;
  if (EXCEPTIONS[input]) return EXCEPTIONS[input];
  let w = input.startsWith("'") ? input.slice(1) : input;
  if (w.startsWith('y')) w = 'Y' + w.slice(1);
  w = w.replace(/([aeiouy])y/g, '$1Y');

  let r1 = /^(gener|commun|arsen)/.exec(w)?.[0].length ?? regionStart(w, 0);
  let r2 = regionStart(w, r1);
  const inR1 = (suffixLen: number) => w.length - suffixLen >= r1;
  const inR2 = (suffixLen: number) => w.length - suffixLen >= r2;

  // Step 0: possessives.
  const s0 = longest(w, ["'s'", "'s", "'"]);
  if (s0) w = w.slice(0, -s0.length);

  // Step 1a.
  const s1a = longest(w, ['sses', 'ied', 'ies', 'us', 'ss', 's']);
  if (s1a === 'sses') w = w.slice(0, -2);
  else if (s1a === 'ied' || s1a === 'ies') w = w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
  else if (s1a === 's' && /[aeiouy]/.test(w.slice(0, -2))) w = w.slice(0, -1);
  if (AFTER_1A.has(w)) return w;

  // Step 1b.
  const s1b = longest(w, STEP1B);
  if (s1b === 'eed' || s1b === 'eedly') {
    if (inR1(s1b.length)) w = w.slice(0, -s1b.length) + 'ee';
  } else if (s1b) {
    const stemPart = w.slice(0, -s1b.length);
    if (/[aeiouy]/.test(stemPart)) {
      w = stemPart;
      if (/(at|bl|iz)$/.test(w)) w += 'e';
      else if (DOUBLES.some((d) => w.endsWith(d))) w = w.slice(0, -1);
      else if (isShortWord(w, r1)) w += 'e';
    }
  }

  // Step 1c: y -> i after a non-vowel that is not the first letter.
  if (w.length > 2 && /[yY]$/.test(w) && !isVowel(w[w.length - 2])) w = w.slice(0, -1) + 'i';

  // Regions may now lie past the end after shortening; they are positions, so they stay valid.
  r1 = Math.min(r1, w.length);
  r2 = Math.min(r2, w.length);

  // Step 2.
  const s2 = longest(w, STEP2_KEYS);
  if (s2 && inR1(s2.length)) {
    const before = w[w.length - s2.length - 1];
    if (s2 === 'ogi') {
      if (before === 'l') w = w.slice(0, -3) + 'og';
    } else if (s2 === 'li') {
      if (before !== undefined && LI_ENDINGS.has(before)) w = w.slice(0, -2);
    } else {
      w = w.slice(0, -s2.length) + STEP2[s2];
    }
  }

  // Step 3.
  const s3 = longest(w, STEP3_KEYS);
  if (s3 && inR1(s3.length)) {
    if (s3 === 'ative') {
      if (inR2(s3.length)) w = w.slice(0, -5);
    } else {
      w = w.slice(0, -s3.length) + STEP3[s3];
    }
  }

  // Step 4.
  const s4 = longest(w, STEP4);
  if (s4 && inR2(s4.length)) {
    if (s4 === 'ion') {
      const before = w[w.length - 4];
      if (before === 's' || before === 't') w = w.slice(0, -3);
    } else {
      w = w.slice(0, -s4.length);
    }
  }

  // Step 5.
  if (w.endsWith('e')) {
    if (inR2(1) || (inR1(1) && !shortSyllableAt(w, w.length - 1))) w = w.slice(0, -1);
  } else if (w.endsWith('ll') && inR2(1)) {
    w = w.slice(0, -1);
  }

  return w.replace(/Y/g, 'y');
}
