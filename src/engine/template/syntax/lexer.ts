/**
 * Jinja2's lexer with Kluctl's settings: default delimiters, no trim_blocks/lstrip_blocks, and
 * keep_trailing_newline=False (one trailing newline of the source is dropped; `\r\n` and `\r` become `\n`).
 */

import { syntaxError } from '../python/errors.js';
import { PY_WHITESPACE } from '../python/text.js';

export type TokenType =
  'data' | 'var_begin' | 'var_end' | 'block_begin' | 'block_end' | 'name' | 'string' | 'int' | 'float' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** Text for data, names, operators; the decoded value for strings; digits (without `_`) for numbers. */
  value: string;
  line: number;
}

const WS = `[${PY_WHITESPACE}]`;
const TAG_START = /\{\{|\{%|\{#/g;
const RAW_BEGIN = new RegExp(`\\{%[-+]?${WS}*raw${WS}*(?:-%\\}${WS}*|%\\})`, 'uy');
const RAW_END = new RegExp(`\\{%([-+]?)${WS}*endraw${WS}*(?:-%\\}${WS}*|\\+?%\\})`, 'ug');
const COMMENT_END = new RegExp(`(-?)#\\}`, 'g');
const TRAILING_WS = new RegExp(`${WS}+$`, 'u');
const SKIP_WS = new RegExp(`${WS}+`, 'uy');
const FLOAT = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
/** Jinja2's operator rule: `//|\*\*|==|!=|>=|<=|[-+/*%~[\](){}><=.:|,;]` (see operatorAt). */
const SINGLE_CHAR_OPERATOR: boolean[] = Array.from({ length: 128 }, (_, c) =>
  '-+/*%~[](){}><=.:|,;'.includes(String.fromCharCode(c)),
);
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

const isAsciiNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** The source as Jinja2 sees it: normalised newlines, one trailing newline removed. */
function normalizeSource(source: string): string {
  // Without a CR only one final newline goes (the split below would give the same, ~10x slower).
  if (!source.includes('\r')) return source.endsWith('\n') ? source.slice(0, -1) : source;
  const lines = source.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

export function tokenize(input: string): Token[] {
  const src = normalizeSource(input);
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  const advanceTo = (to: number) => {
    for (let i = pos; i < to; i++) if (src.charCodeAt(i) === 10) line++;
    pos = to;
  };
  const pushData = (text: string, at: number) => {
    if (text) tokens.push({ type: 'data', value: text, line: at });
  };
  const skipWhitespace = () => {
    // ASCII whitespace (the usual case) by char code; a non-ASCII char goes to the full (Unicode) class.
    let at = pos;
    for (let c = src.charCodeAt(at); at < src.length; c = src.charCodeAt(++at)) {
      if (c === 10) line++;
      else if (!(c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31))) break;
    }
    pos = at;
    if (src.charCodeAt(pos) < 0x80) return;
    SKIP_WS.lastIndex = pos;
    if (SKIP_WS.exec(src)) advanceTo(SKIP_WS.lastIndex);
  };

  while (pos < src.length) {
    TAG_START.lastIndex = pos;
    const tag = TAG_START.exec(src);
    if (!tag) {
      pushData(src.slice(pos), line);
      break;
    }
    let text = src.slice(pos, tag.index);
    if (src[tag.index + 2] === '-') text = text.replace(TRAILING_WS, '');
    RAW_BEGIN.lastIndex = tag.index;
    if (tag[0] === '{%' && RAW_BEGIN.exec(src)) {
      pushData(text, line);
      advanceTo(RAW_BEGIN.lastIndex);
      RAW_END.lastIndex = pos;
      const end = RAW_END.exec(src);
      if (!end) throw syntaxError('Missing end of raw directive', line);
      let raw = src.slice(pos, end.index);
      if (end[1] === '-') raw = raw.replace(TRAILING_WS, '');
      pushData(raw, line);
      advanceTo(RAW_END.lastIndex);
      continue;
    }
    pushData(text, line);
    advanceTo(tag.index + 2);
    if (src[pos] === '-' || src[pos] === '+') advanceTo(pos + 1);
    if (tag[0] === '{#') {
      COMMENT_END.lastIndex = pos;
      const end = COMMENT_END.exec(src);
      if (!end) throw syntaxError('Missing end of comment tag', line);
      advanceTo(COMMENT_END.lastIndex);
      if (end[1] === '-') skipWhitespace();
      continue;
    }
    const isBlock = tag[0] === '{%';
    tokens.push({ type: isBlock ? 'block_begin' : 'var_begin', value: tag[0], line });
    lexCode(isBlock);
  }
  tokens.push({ type: 'eof', value: '', line });
  return tokens;

  function lexCode(isBlock: boolean): void {
    const stack: string[] = [];
    for (;;) {
      skipWhitespace();
      if (pos >= src.length) throw syntaxError(`unexpected end of template, expected '${isBlock ? '%}' : '}}'}'`, line);
      if (stack.length === 0) {
        const end = matchEnd(isBlock);
        if (end) {
          tokens.push({ type: isBlock ? 'block_end' : 'var_end', value: end, line });
          advanceTo(pos + end.length);
          if (end.startsWith('-')) skipWhitespace();
          return;
        }
      }
      const token = lexToken(stack);
      tokens.push(token);
    }
  }

  /** The tag end at `pos` (`-%}`, `+%}`, `%}` / `-}}`, `}}`), by char code: it is tried before every token. */
  function matchEnd(isBlock: boolean): string | undefined {
    const c = src.charCodeAt(pos);
    const close = isBlock ? 37 : 125; // '%' or '}'
    if (c === close) return src.charCodeAt(pos + 1) === 125 ? (isBlock ? '%}' : '}}') : undefined;
    if ((c === 45 || (isBlock && c === 43)) && src.charCodeAt(pos + 1) === close && src.charCodeAt(pos + 2) === 125)
      return `${src[pos]}${isBlock ? '%}' : '}}'}`;
    return undefined;
  }

  /** The operator at `pos` by char code; a two-char one first, as in the rule's alternation. */
  function operatorAt(): string | undefined {
    const c = src.charCodeAt(pos);
    const d = src.charCodeAt(pos + 1);
    if ((d === c && (c === 47 || c === 42)) || (d === 61 && (c === 61 || c === 33 || c === 62 || c === 60)))
      return src.slice(pos, pos + 2);
    return c < 128 && SINGLE_CHAR_OPERATOR[c] ? src[pos] : undefined;
  }

  function match(re: RegExp): string | undefined {
    re.lastIndex = pos;
    const m = re.exec(src);
    return m ? m[0] : undefined;
  }

  /**
   * Jinja2 tries its token rules in order (float, integer, name, string, operator); each can only start with some
   * characters, so the first one picks the rules worth trying, in that order.
   */
  function lexToken(stack: string[]): Token {
    const at = line;
    const c = src.charCodeAt(pos);
    let m: string | undefined;
    if (c >= 48 && c <= 57) {
      if (src[pos - 1] !== '.' && (m = match(FLOAT))) {
        advanceTo(pos + m.length);
        return { type: 'float', value: m.replace(/_/g, ''), line: at };
      }
      if ((m = match(INTEGER))) {
        advanceTo(pos + m.length);
        return { type: 'int', value: m.replace(/_/g, ''), line: at };
      }
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      // An ASCII name ends at the first char that is not [A-Za-z0-9_]; a non-ASCII one there needs the full rule.
      let end = pos + 1;
      for (let d = src.charCodeAt(end); isAsciiNameChar(d); d = src.charCodeAt(++end));
      if (!(src.charCodeAt(end) >= 0x80)) {
        m = src.slice(pos, end);
        advanceTo(end);
        return { type: 'name', value: m, line: at };
      }
      m = match(NAME)!;
      advanceTo(pos + m.length);
      return { type: 'name', value: m, line: at };
    } else if (c >= 0x80 && (m = match(NAME))) {
      advanceTo(pos + m.length);
      return { type: 'name', value: m, line: at };
    }
    if ((c === 39 || c === 34) && (m = match(STRING))) {
      advanceTo(pos + m.length);
      return { type: 'string', value: decodeString(m.slice(1, -1), at), line: at };
    }
    if ((m = operatorAt())) {
      if ('([{'.includes(m)) stack.push(m);
      else if (CLOSING[m]) {
        const open = stack.pop();
        if (open === undefined) throw syntaxError(`unexpected '${m}'`, at);
        if (open !== CLOSING[m])
          throw syntaxError(
            `unexpected '${m}', expected '${Object.keys(CLOSING).find((k) => CLOSING[k] === open)}'`,
            at,
          );
      }
      advanceTo(pos + m.length);
      return { type: 'op', value: m, line: at };
    }
    throw syntaxError(`unexpected char '${src[pos]}' at ${pos}`, at);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/** Python's `unicode-escape` decoding of a string literal's body; unknown escapes stay as written. */
function decodeString(body: string, line: number): string {
  return body.replace(/\\(x[\s\S]{0,2}|u[\s\S]{0,4}|U[\s\S]{0,8}|[0-7]{1,3}|[\s\S])/g, (all, esc: string) => {
    if (esc in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[esc];
    if (/^[0-7]/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    const width = { x: 2, u: 4, U: 8 }[esc[0]];
    if (width === undefined) return all;
    const hex = esc.slice(1);
    if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex))
      throw syntaxError(`truncated \\${esc[0]}XXXX escape`, line);
    return String.fromCodePoint(parseInt(hex, 16));
  });
}
