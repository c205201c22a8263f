/** Python's `textwrap.wrap` (greedy filling, whitespace dropped at line ends), for `wordwrap` and `load_base64`. */

import { chars, strLen } from './text.js';

export interface WrapOptions {
  width: number;
  breakLongWords: boolean;
  breakOnHyphens: boolean;
}

const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const WORD_PUNCT = `[\\p{L}\\p{N}_!"'&.,?]`;
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]';
const WORD = '[\\p{L}\\p{N}_]';
/** Chunks: whitespace runs, em-dashes between words, and words split after hyphens between letters. */
const HYPHEN_CHUNKS = new RegExp(
  `(${WS}+|(?<=${WORD_PUNCT})-{2,}(?=${WORD})|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WS}|$)|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  'u',
);
const SPACE_CHUNKS = new RegExp(`(${WS}+)`);
const isBlank = (s: string) => new RegExp(`^${WS}*$`).test(s);

export function wrap(text: string, opts: WrapOptions): string[] {
  const chunks = text.split(opts.breakOnHyphens ? HYPHEN_CHUNKS : SPACE_CHUNKS).filter((c) => c !== '');
  chunks.reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    const line: string[] = [];
    let len = 0;
    if (isBlank(chunks[chunks.length - 1]) && lines.length > 0) chunks.pop();
    while (chunks.length > 0 && len + strLen(chunks[chunks.length - 1]) <= opts.width) {
      const c = chunks.pop()!;
      line.push(c);
      len += strLen(c);
    }
    if (chunks.length > 0 && strLen(chunks[chunks.length - 1]) > opts.width) breakLongWord(chunks, line, len, opts);
    if (line.length > 0 && isBlank(line[line.length - 1])) line.pop();
    if (line.length > 0) lines.push(line.join(''));
  }
  return lines;
}

function breakLongWord(chunks: string[], line: string[], len: number, opts: WrapOptions): void {
  const spaceLeft = opts.width < 1 ? 1 : opts.width - len;
  if (opts.breakLongWords) {
    const chunk = chars(chunks[chunks.length - 1]);
    let end = spaceLeft;
    if (opts.breakOnHyphens && chunk.length > spaceLeft) {
      const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
      if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
    }
    line.push(chunk.slice(0, end).join(''));
    chunks[chunks.length - 1] = chunk.slice(end).join('');
  } else if (line.length === 0) line.push(chunks.pop()!);
}
