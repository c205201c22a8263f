/**
 * python-slugify 8's `slugify` with its keyword options. Transliteration (text-unidecode) is approximated:
 * accents are removed by NFKD decomposition and the common Latin letters and symbols below are spelled out;
 * other scripts are dropped instead of transliterated.
 */

import { bind } from '../python/args.js';
import { toList } from '../python/containers.js';
import { truthy } from '../python/ops.js';
import { pyStr } from '../python/repr.js';
import { intOf, isInt, type CallArgs, type PyValue } from '../python/values.js';

const TRANSLITERATIONS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'Th',
  ð: 'd',
  Ð: 'D',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
  ŋ: 'ng',
  Ŋ: 'NG',
  '€': 'EUR',
  '£': 'PS',
  '©': '(c)',
  '®': '(r)',
  '™': 'tm',
  '–': '-',
  '—': '--',
  '…': '...',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '«': '<<',
  '»': '>>',
  '×': 'x',
  '÷': '/',
  '°': 'deg',
  µ: 'u',
  '¿': '?',
  '¡': '!',
};
const ENTITIES: Record<string, number> = {
  amp: 38,
  lt: 60,
  gt: 62,
  quot: 34,
  nbsp: 160,
  apos: 39,
  copy: 169,
  reg: 174,
};

function unidecode(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else if (TRANSLITERATIONS[ch] !== undefined) out += TRANSLITERATIONS[ch];
  }
  return out;
}

function stripChar(s: string, c: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s[start] === c) start++;
  while (end > start && s[end - 1] === c) end--;
  return s.slice(start, end);
}

function smartTruncate(s: string, maxLength: number, wordBoundary: boolean, saveOrder: boolean): string {
  s = stripChar(s, '-');
  if (s.length < maxLength) return s;
  if (!wordBoundary) return stripChar(s.slice(0, maxLength), '-');
  if (!s.includes('-')) return s.slice(0, maxLength);
  let truncated = '';
  for (const word of s.split('-')) {
    if (!word) continue;
    const next = truncated.length + word.length;
    if (next < maxLength) truncated += `${word}-`;
    else if (next === maxLength) {
      truncated += word;
      break;
    } else if (saveOrder) break;
  }
  return stripChar(truncated || s.slice(0, maxLength), '-');
}

const PARAMS = [
  'entities',
  'decimal',
  'hexadecimal',
  'max_length',
  'word_boundary',
  'separator',
  'save_order',
  'stopwords',
  'regex_pattern',
  'lowercase',
  'replacements',
  'allow_unicode',
];

export function slugify(value: PyValue, call: CallArgs): string {
  const [
    entities,
    decimal,
    hexadecimal,
    maxLength,
    wordBoundary,
    separator,
    saveOrder,
    stopwords,
    regexPattern,
    lowercase,
    replacements,
    allowUnicode,
  ] = bind('slugify', call, PARAMS);
  const on = (v: PyValue | undefined, dflt: boolean) => (v === undefined ? dflt : truthy(v));
  const pairs = replacements === undefined ? [] : toList(replacements).map((p) => toList(p).map(pyStr));
  let text = pyStr(value);
  for (const [from, to] of pairs) text = text.split(from).join(to);
  text = text.replace(/'+/g, '-');
  text = on(allowUnicode, false) ? text.normalize('NFKC') : unidecode(text.normalize('NFKD'));
  if (on(entities, true))
    text = text.replace(/&([a-zA-Z]+);/g, (m, name: string) =>
      ENTITIES[name] ? String.fromCodePoint(ENTITIES[name]) : m,
    );
  if (on(decimal, true)) text = text.replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)));
  if (on(hexadecimal, true))
    text = text.replace(/&#x([\da-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)));
  text = on(allowUnicode, false) ? text.normalize('NFKC') : text.normalize('NFKD');
  if (on(lowercase, true)) text = text.toLowerCase();
  text = text.replace(/'+/g, '').replace(/(?<=\d),(?=\d)/g, '');
  const disallowed =
    regexPattern !== undefined && regexPattern !== null
      ? new RegExp(pyStr(regexPattern), 'gu')
      : on(allowUnicode, false)
        ? /[^\p{L}\p{N}]+/gu
        : /[^-a-zA-Z0-9]+/g;
  text = stripChar(text.replace(disallowed, '-').replace(/-{2,}/g, '-'), '-');
  if (stopwords !== undefined) {
    const words = toList(stopwords).map((w) => (on(lowercase, true) ? pyStr(w).toLowerCase() : pyStr(w)));
    text = text
      .split('-')
      .filter((w) => !words.includes(w))
      .join('-');
  }
  for (const [from, to] of pairs) text = text.split(from).join(to);
  const max = maxLength !== undefined && isInt(maxLength) ? Number(intOf(maxLength)) : 0;
  if (max > 0) text = smartTruncate(text, max, on(wordBoundary, false), on(saveOrder, false));
  const sep = separator === undefined ? '-' : pyStr(separator);
  return sep === '-' ? text : text.split('-').join(sep);
}
