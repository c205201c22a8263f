/** Parsing the JSONPath syntax of github.com/ohler55/ojg/jp, with its quirks (see jsonpath.ts). */

import { JsonPathFilter } from './jsonpath-filter.js';

export type Frag =
  | { kind: 'root' }
  | { kind: 'at' }
  | { kind: 'child'; key: string }
  | { kind: 'nth'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descent' }
  | { kind: 'union'; members: (string | number)[] }
  | { kind: 'slice'; parts: number[] }
  | { kind: 'filter'; filter: JsonPathFilter };

export class JsonPathError extends Error {}

export const MAX_END = Number.MAX_SAFE_INTEGER;
// Characters that may appear in an unbracketed key (ojg's tokenMap).
const TOKEN_CHAR = /[#%0-9:;?A-Z^_a-z{|}~\u0080-\uffff]/;
export const isToken = (c: string | undefined) => c !== undefined && TOKEN_CHAR.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

class Parser {
  pos = 0;
  constructor(readonly buf: string) {}

  raise(msg: string): never {
    throw new JsonPathError(`${msg} at ${this.pos + 1} in ${this.buf}`);
  }

  /** The next character, advancing; undefined (Go: a panic, reported as an error) past the end. */
  next(): string {
    if (this.pos >= this.buf.length) this.raise('index out of range');
    return this.buf[this.pos++];
  }

  parse(): Frag[] {
    const frags: Frag[] = [];
    let first = true;
    let lastDescent = false;
    for (;;) {
      const f = this.nextFrag(first, lastDescent);
      if (!f) break;
      first = false;
      lastDescent = f.kind === 'descent';
      frags.push(f);
    }
    if (this.pos < this.buf.length) this.raise('parse error');
    return frags;
  }

  nextFrag(first: boolean, lastDescent: boolean): Frag | undefined {
    if (this.pos >= this.buf.length) return undefined;
    const b = this.buf[this.pos++];
    switch (b) {
      case '$':
        return first ? { kind: 'root' } : undefined;
      case '@':
        return first ? { kind: 'at' } : undefined;
      case '.':
        return this.afterDot();
      case '*':
        return { kind: 'wildcard' };
      case '[':
        return this.afterBracket();
      default:
        this.pos--;
        if (isToken(b)) {
          if (first) return this.afterDot();
          if (lastDescent) return this.readToken();
        }
        return undefined;
    }
  }

  afterDot(): Frag {
    if (this.pos >= this.buf.length) this.raise('not terminated');
    const b = this.buf[this.pos];
    if (b === '*' || b === '.') {
      this.pos++;
      return b === '*' ? { kind: 'wildcard' } : { kind: 'descent' };
    }
    if (!isToken(b)) {
      this.pos++;
      this.raise(`an expression fragment can not start with a '${b}'`);
    }
    return this.readToken();
  }

  readToken(): Frag {
    let key = this.buf[this.pos++];
    while (this.pos < this.buf.length && isToken(this.buf[this.pos])) key += this.buf[this.pos++];
    return { kind: 'child', key };
  }

  skipSpace(): string {
    let b = '';
    while (this.pos < this.buf.length) {
      b = this.buf[this.pos++];
      if (b !== ' ') break;
    }
    return b;
  }

  afterBracket(): Frag {
    if (this.pos >= this.buf.length) this.raise('not terminated');
    let b = this.skipSpace();
    if (b === '*') {
      if (this.skipSpace() !== ']') this.raise('not terminated');
      return { kind: 'wildcard' };
    }
    if (b === "'" || b === '"') {
      const s = this.readStr(b);
      b = this.skipSpace();
      if (b === ']') return { kind: 'child', key: s };
      if (b === ',') return this.readUnion(s, b);
      this.raise('invalid bracket fragment');
    }
    if (b === ':') return this.readSlice(0);
    if (b === '?') return this.readFilter();
    if (b === '(') this.raise('scripts are not supported');
    if (b === '-' || isDigit(b)) {
      let i: number;
      [i, b] = this.readInt(b);
      while (b === ' ') b = this.skipSpace();
      if (b === ']') return { kind: 'nth', index: i };
      if (b === ',') return this.readUnion(i, b);
      if (b === ':') return this.readSlice(i);
      this.raise('invalid bracket fragment');
    }
    this.pos--;
    this.raise('parse error');
  }

  /** Reads digits starting with `b`; returns the number and the character after it (ojg's quirky readInt). */
  readInt(b: string): [number, string] {
    const neg = b === '-';
    if (neg) {
      if (this.pos >= this.buf.length) this.raise('expected a number');
      b = this.buf[this.pos++];
    }
    const start = this.pos;
    let i = 0;
    while (isDigit(b)) {
      i = i * 10 + Number(b);
      if (this.pos >= this.buf.length) break;
      b = this.buf[this.pos++];
    }
    if (this.pos === start) this.raise('expected a number');
    return [neg ? -i : i, b];
  }

  /** Everything up to the `]` that closes the filter (quotes and nested brackets skipped). */
  readFilter(): Frag {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos++];
      if (c === "'" || c === '"') {
        while (this.pos < this.buf.length && this.buf[this.pos] !== c) this.pos += this.buf[this.pos] === '\\' ? 2 : 1;
        this.pos++;
      } else if (c === '[') {
        depth++;
      } else if (c === ']' && depth-- === 0) {
        try {
          return { kind: 'filter', filter: new JsonPathFilter(this.buf.slice(start, this.pos - 1)) };
        } catch (e) {
          this.raise((e as Error).message);
        }
      }
    }
    this.raise('not terminated');
  }

  readSlice(i: number): Frag {
    if (this.pos >= this.buf.length) this.raise('not terminated');
    const parts = [i];
    let b = this.buf[this.pos];
    if (b === ']') {
      this.pos++;
      return { kind: 'slice', parts: [i, MAX_END] };
    }
    b = this.skipSpace();
    if (b === ':') {
      parts.push(MAX_END);
      if (this.pos >= this.buf.length) this.raise('not terminated');
      b = this.buf[this.pos++];
      if (b !== ']') {
        [i, b] = this.readInt(b);
        parts.push(i);
      }
    } else {
      [i, b] = this.readInt(b);
      parts.push(i);
      if (b === ':') {
        if (this.pos >= this.buf.length) this.raise('not terminated');
        b = this.buf[this.pos++];
        if (b !== ']') {
          [i, b] = this.readInt(b);
          parts.push(i);
        }
      }
    }
    if (b !== ']') this.raise('invalid slice syntax');
    return { kind: 'slice', parts };
  }

  readUnion(first: string | number, b: string): Frag {
    if (this.pos >= this.buf.length) this.raise('not terminated');
    const members = [first];
    for (;;) {
      if (b === ']') return { kind: 'union', members };
      if (b !== ',') this.raise('invalid union syntax');
      b = this.skipSpace();
      if (b === "'" || b === '"') {
        members.push(this.readStr(b));
        b = this.skipSpace();
      } else if (b === '-' || isDigit(b)) {
        let i: number;
        [i, b] = this.readInt(b);
        members.push(i);
        if (b === ' ') b = this.skipSpace();
      } else {
        this.raise('invalid union syntax');
      }
    }
  }

  readStr(term: string): string {
    const start = this.pos;
    while (this.pos < this.buf.length) {
      const b = this.buf[this.pos++];
      if (b === term) return this.buf.slice(start, this.pos - 1);
      if (b === '\\') return this.readEscStr(start, term);
    }
    // Unterminated: ojg drops the last character; the caller then fails on the missing `]`.
    return this.buf.slice(start, this.pos - 1);
  }

  readEscStr(start: number, term: string): string {
    this.pos--;
    let out = this.buf.slice(start, this.pos);
    const escapes: Record<string, string> = {
      b: '\b',
      t: '\t',
      n: '\n',
      f: '\f',
      r: '\r',
      '"': '"',
      "'": "'",
      '\\': '\\',
    };
    while (this.pos < this.buf.length) {
      const b = this.buf[this.pos++];
      if (b === '\\') {
        const e = this.next();
        if (escapes[e] !== undefined) out += escapes[e];
        else if (e === 'x') out += String.fromCharCode(this.readHex(2));
        else if (e === 'u' || e === 'U') out += String.fromCodePoint(this.readHex(4));
        else this.raise(`'${e}' is not a valid escaped character`);
      } else if (b === term) {
        break;
      } else {
        out += b;
      }
    }
    return out;
  }

  readHex(digits: number): number {
    let v = 0;
    for (let i = 0; i < digits; i++) {
      const c = this.next();
      if (!/[0-9a-fA-F]/.test(c)) this.raise(`'${c}' is not a valid hexadecimal character`);
      v = v * 16 + parseInt(c, 16);
    }
    return v;
  }
}

export function parseJsonPath(path: string): Frag[] {
  return new Parser(path).parse();
}
