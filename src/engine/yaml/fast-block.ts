/**
 * A fast path for the common shape of large YAML files (values files, big ConfigMaps): block mappings and
 * sequences of single-line plain or quoted scalars, literal block scalars and comments. The `yaml` package builds a
 * concrete and an abstract syntax tree for every node (a 500,000-key values file took 30-50 s); this reads the
 * lines once and builds the values directly.
 *
 * It gives exactly the values the full path (the `yaml` package, then the caller's go-yaml scalar resolution) gives,
 * or nothing: anything outside the subset (anchors, aliases, tags, flow collections, multi-line plain or quoted
 * scalars, folded block scalars, tabs, `<<` merge keys, complex keys, a duplicate key, directives) returns undefined
 * and the caller takes the full path, which also produces every error message with its line. The differential test
 * (test/unit/engine/yaml-fast-block.test.ts) compares both paths on generated documents.
 */

import type { Schema } from 'yaml';

/** How a caller resolves scalars; the same rules its full path applies after the `yaml` package. */
export interface FastYamlMode {
  /** The value of an untagged plain scalar (go-yaml's resolution). */
  plainValue(source: string): unknown;
  /** The object key of a plain key, or undefined when only the full path can tell (an error, a merge key). */
  plainKey(source: string): string | undefined;
  /** The `yaml` package schema of the full path: duplicate keys are found with its resolution, as limits.ts does. */
  schema: Schema;
  /** A mapping entry written with no value at all (`key:`). */
  emptyValue?(container: Record<string, unknown>, key: string): void;
  /**
   * A clipped literal block scalar that ends the input without a line break: the `yaml` package adds the final
   * newline, go-yaml (the kustomize reader) does not.
   */
  clipAtEndOfInputKeepsNewline: boolean;
}

export interface FastDocument {
  value: unknown;
  /** 1-based line of the document's content (its first node). */
  line: number;
}

let enabled = true;

/** Tests compare both paths: with the fast path off, every caller takes the full path. */
export function setFastYaml(on: boolean): void {
  enabled = on;
}

/** Characters the fast path leaves to the full path wherever they appear. */
// eslint-disable-next-line no-control-regex -- YAML's non-printable characters and line breaks other than \n
const UNSUPPORTED = /[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\r(?!\n)/;
/** A document marker line that is more than the marker alone (content after it, `...`). */
const DOC_MARKER = /^(?:---|\.\.\.)(?:[ ]|$)/;
/** Plain scalars may not start with these (the `-`, `?` and `:` cases are checked separately). */
const INDICATOR_START = new Set(['[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
/** First characters for which a plain key may resolve to something else than a string in the `yaml` package. */
const NON_STRING_START = /^[~nNyYtTfFoO0-9+.<-]/;
const MAX_KEY_LENGTH = 1000;
/** Plain scalars the fast path reads inside a flow sequence: no indicator, colon, quote or space anywhere. */
const FLOW_PLAIN = /^(?:[A-Za-z0-9_./+~]|-(?=[A-Za-z0-9_./]))[A-Za-z0-9_./+~=@%-]*$/;

/**
 * What the `yaml` package makes of an untagged plain scalar with `schema`: the first default tag (for a key, also a
 * key-only one) whose test matches resolves it, else it stays a string. The result may be a `Scalar` node (the
 * package's own resolvers return some); `onError` is called where the package would report an error.
 */
export function resolvePlain(schema: Schema, source: string, atKey: boolean, onError: () => void): unknown {
  const tag = schema.tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(source));
  if (!tag?.resolve) return source;
  const resolver = tag as unknown as { resolve(s: string, onError: () => void, options: object): unknown };
  return resolver.resolve(source, onError, { intAsBigInt: false });
}

/** Thrown (one instance, no stack needed) when the document leaves the subset. */
const BAIL = new Error('the fast YAML path does not apply');

/**
 * The documents of `text` (one when `stream` is false), or undefined when the full path must read it. Documents
 * without content are returned with the value null.
 */
export function parseFastYaml(text: string, mode: FastYamlMode, stream: boolean): FastDocument[] | undefined {
  if (!enabled || UNSUPPORTED.test(text)) return undefined;
  if (text.includes('\r')) text = text.replace(/\r\n/g, '\n');
  try {
    return new FastParser(text.split('\n'), mode).documents(stream);
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

const bail = (): never => {
  throw BAIL;
};

class FastParser {
  private i = 0;
  /** Whether the text ends with a line break (split() leaves an empty last element for it, dropped here). */
  private readonly finalNewline: boolean;

  constructor(
    private readonly lines: string[],
    private readonly mode: FastYamlMode,
  ) {
    this.finalNewline = lines[lines.length - 1] === '';
    if (this.finalNewline) lines.pop();
  }

  documents(stream: boolean): FastDocument[] {
    const docs: FastDocument[] = [];
    const lines = this.lines;
    const marker = (): boolean => {
      const line = lines[this.i];
      if (!DOC_MARKER.test(line)) return false;
      if (!(line === '---' || /^--- +(#.*)?$/.test(line))) bail();
      this.i++;
      return true;
    };
    this.skipBlank();
    if (this.i < lines.length) marker();
    for (;;) {
      this.skipBlank();
      if (this.i >= lines.length) break;
      if (marker()) {
        // An empty document between two markers.
        if (!stream) bail();
        docs.push({ value: null, line: this.i });
        continue;
      }
      const start = this.i;
      const value = this.node(indentOf(lines[start]));
      docs.push({ value, line: start + 1 });
      this.skipBlank();
      if (this.i >= lines.length) break;
      if (!stream || !marker()) bail();
    }
    return docs;
  }

  /** Skips empty and comment-only lines. */
  private skipBlank(): void {
    const lines = this.lines;
    while (this.i < lines.length) {
      const line = lines[this.i];
      let j = 0;
      while (line.charCodeAt(j) === 32) j++;
      if (j < line.length && line[j] !== '#') return;
      this.i++;
    }
  }

  /** The node whose first line is the current one, at indentation `indent`. */
  private node(indent: number): unknown {
    const line = this.lines[this.i];
    if (isSeqItem(line, indent)) return this.sequence(indent);
    return this.mapping(indent);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    const lines = this.lines;
    for (;;) {
      this.skipBlank();
      if (this.i >= lines.length) break;
      const line = lines[this.i];
      const ind = indentOf(line);
      if (ind < indent) break;
      if (ind > indent) bail();
      if (!isSeqItem(line, indent)) break;
      let p = indent + 1;
      while (line.charCodeAt(p) === 32) p++;
      if (p >= line.length || line[p] === '#') {
        if (p === indent + 1 && p < line.length) bail();
        this.i++;
        const item = this.nested(indent, false);
        out.push(item === EMPTY ? null : item);
        continue;
      }
      if (line[p] === '-' && (p + 1 === line.length || line[p + 1] === ' ')) bail();
      if (this.startsKey(line, p)) {
        // A compact mapping: its keys continue at the column of the first one.
        lines[this.i] = ' '.repeat(p) + line.slice(p);
        out.push(this.mapping(p));
      } else {
        out.push(this.inlineValue(line, p, indent));
      }
    }
    return out;
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const ids = new Set<string>();
    const lines = this.lines;
    for (;;) {
      this.skipBlank();
      if (this.i >= lines.length) break;
      const line = lines[this.i];
      const ind = indentOf(line);
      if (ind < indent) break;
      if (ind > indent || isSeqItem(line, indent)) bail();
      if (indent === 0 && DOC_MARKER.test(line)) break;
      // The key.
      let key: string;
      let id: string;
      let p: number;
      const c = line[indent];
      if (c === '"' || c === "'") {
        const q = quoted(line, indent);
        key = q.value;
        if (key === '<<') bail();
        id = `string:${key}`;
        p = q.end;
        while (line.charCodeAt(p) === 32) p++;
        if (line[p] !== ':' || (p + 1 < line.length && line[p + 1] !== ' ')) bail();
        p++;
      } else {
        const colon = keyColon(line, indent);
        if (colon < 0) bail();
        const source = line.slice(indent, colon).trimEnd();
        if (source.length > MAX_KEY_LENGTH || source === '<<') bail();
        const k = this.mode.plainKey(source);
        if (k === undefined) bail();
        key = k!;
        id = NON_STRING_START.test(source) ? this.keyIdentity(source) : `string:${source}`;
        p = colon + 1;
      }
      if (ids.has(id)) bail();
      ids.add(id);
      while (line.charCodeAt(p) === 32) p++;
      let value: unknown;
      if (p >= line.length || line[p] === '#') {
        this.i++;
        value = this.nested(indent, true);
        if (value === EMPTY) {
          value = null;
          this.mode.emptyValue?.(out, key);
        }
      } else {
        value = this.inlineValue(line, p, indent);
      }
      if (key in out) Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  /** The block node after `key:` or `-` with nothing else on the line: more indented, or a sequence at `indent`. */
  private nested(indent: number, inMapping: boolean): unknown {
    this.skipBlank();
    if (this.i >= this.lines.length) return EMPTY;
    const line = this.lines[this.i];
    const ind = indentOf(line);
    if (ind > indent) return this.node(ind);
    if (inMapping && ind === indent && isSeqItem(line, indent)) return this.sequence(indent);
    return EMPTY;
  }

  /** A scalar that starts at `p` of the current line; the node it belongs to is at `indent`. */
  private inlineValue(line: string, p: number, indent: number): unknown {
    const c = line[p];
    let value: unknown;
    if (c === '"' || c === "'" || c === '[' || c === '{') {
      const q = c === '[' || c === '{' ? this.flow(line, p) : quoted(line, p);
      let e = q.end;
      while (line.charCodeAt(e) === 32) e++;
      if (e < line.length && (line[e] !== '#' || e === q.end)) bail();
      value = q.value;
      this.i++;
    } else if (c === '|') {
      return this.literal(line, p, indent);
    } else {
      if (INDICATOR_START.has(c) || c === '?' || c === ':') bail();
      if (c === '-' && (p + 1 === line.length || line[p + 1] === ' ')) bail();
      const hash = line.indexOf(' #', p);
      const source = (hash < 0 ? line.slice(p) : line.slice(p, hash)).trimEnd();
      if (source.includes(': ') || source.endsWith(':')) bail();
      value = this.mode.plainValue(source);
      this.i++;
    }
    // A more indented line continues a multi-line scalar (or is an error): the full path decides.
    this.skipBlank();
    if (this.i < this.lines.length && indentOf(this.lines[this.i]) > indent) bail();
    return value;
  }

  /**
   * A flow collection on one line, as Kubernetes manifests write them: `{}`, `[]`, or a sequence of quoted scalars
   * and simple plain ones (`command: ["/bin/probe", "-addr=:9555"]`, `args: [a, b]`). Nested collections, flow
   * mappings with entries, empty or trailing entries and plain scalars with other characters go the full path.
   */
  private flow(line: string, p: number): { value: unknown; end: number } {
    const close = line[p] === '[' ? ']' : '}';
    let q = p + 1;
    while (line.charCodeAt(q) === 32) q++;
    if (line[q] === close) return { value: close === ']' ? [] : {}, end: q + 1 };
    if (close === '}') bail();
    const items: unknown[] = [];
    for (;;) {
      const c = line[q];
      if (c === '"' || c === "'") {
        const item = quoted(line, q);
        items.push(item.value);
        q = item.end;
      } else {
        let e = q;
        while (e < line.length && line[e] !== ',' && line[e] !== ']') e++;
        const source = line.slice(q, e).trimEnd();
        if (!FLOW_PLAIN.test(source)) bail();
        items.push(this.mode.plainValue(source));
        q = e;
      }
      while (line.charCodeAt(q) === 32) q++;
      if (line[q] === ']') return { value: items, end: q + 1 };
      if (line[q] !== ',') bail();
      q++;
      while (line.charCodeAt(q) === 32) q++;
      if (line[q] === ']' || line[q] === ',') bail();
    }
  }

  /** `|`, `|-`, `|+` (no indentation indicator): the lines more indented than the parent node at `indent`. */
  private literal(line: string, p: number, indent: number): string {
    const m = /^\|([-+]?)(?: +#.*)? *$/.exec(line.slice(p));
    if (!m) bail();
    const chomp = m![1];
    const lines = this.lines;
    let j = this.i + 1;
    // Leading spaces-only lines, then the first content line sets the block's indentation.
    const leading: number[] = [];
    while (j < lines.length && indentOf(lines[j]) === lines[j].length) leading.push(lines[j++].length);
    if (j >= lines.length) bail();
    const blockIndent = indentOf(lines[j]);
    if (blockIndent <= indent || leading.some((n) => n > blockIndent)) bail();
    const out: string[] = leading.map(() => '');
    for (; j < lines.length; j++) {
      const l = lines[j];
      const ind = indentOf(l);
      if (ind === l.length) out.push(l.length > blockIndent ? l.slice(blockIndent) : '');
      else if (ind < blockIndent) break;
      else out.push(l.slice(blockIndent));
    }
    const endsInput = j >= lines.length;
    // The last line of the input has no line break when the text does not end with one.
    if (endsInput && !this.finalNewline && (chomp === '+' || out[out.length - 1] === '')) bail();
    let k = out.length;
    while (out[k - 1] === '') k--;
    const content = out.slice(0, k).join('\n');
    let value: string;
    if (chomp === '-') value = content;
    else if (chomp === '+') value = `${content}\n${'\n'.repeat(out.length - k)}`;
    else value = endsInput && !this.finalNewline && !this.mode.clipAtEndOfInputKeepsNewline ? content : `${content}\n`;
    this.i = j;
    this.skipBlank();
    if (this.i < lines.length && indentOf(lines[this.i]) > indent) bail();
    return value;
  }

  /** A plain key's identity as limits.ts computes it from the `yaml` package's resolution (duplicates). */
  private keyIdentity(source: string): string {
    const v = resolvePlain(this.mode.schema, source, true, () => bail());
    if (v !== null && typeof v === 'object') bail();
    return `${typeof v}:${String(v)}`;
  }

  /** Whether a key (`key:` followed by a space or the end of the line) starts at `p`. */
  private startsKey(line: string, p: number): boolean {
    const c = line[p];
    if (c === '"' || c === "'") {
      let e: number;
      try {
        e = quoted(line, p).end;
      } catch (err) {
        if (err === BAIL) return false;
        throw err;
      }
      while (line.charCodeAt(e) === 32) e++;
      return line[e] === ':' && (e + 1 === line.length || line[e + 1] === ' ');
    }
    return keyColon(line, p) >= 0;
  }
}

const EMPTY: unique symbol = Symbol('no value');

function indentOf(line: string): number {
  let j = 0;
  while (line.charCodeAt(j) === 32) j++;
  return j;
}

function isSeqItem(line: string, indent: number): boolean {
  return line.charCodeAt(indent) === 45 /* - */ && (indent + 1 === line.length || line.charCodeAt(indent + 1) === 32);
}

/**
 * The column of the `:` that ends a plain key starting at `p`, or -1 when the line is no simple `key: ...` (a
 * comment before it, flow indicators, an indicator at the start).
 */
function keyColon(line: string, p: number): number {
  const c = line[p];
  if (c === undefined || INDICATOR_START.has(c) || c === '?' || c === ':' || c === ' ') return -1;
  if (c === '-' && (p + 1 === line.length || line[p + 1] === ' ')) return -1;
  for (let j = p; j < line.length; j++) {
    const ch = line.charCodeAt(j);
    if (ch === 58 /* : */) {
      if (j + 1 === line.length || line.charCodeAt(j + 1) === 32) return j;
    } else if (ch === 35 /* # */) {
      if (line.charCodeAt(j - 1) === 32) return -1;
    } else if (ch === 91 || ch === 93 || ch === 123 || ch === 125 || ch === 44) {
      return -1;
    }
  }
  return -1;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/** A single-line quoted scalar starting at `p`: its value and the index after the closing quote. */
function quoted(line: string, p: number): { value: string; end: number } {
  const q = line[p];
  if (q === "'") {
    let out = '';
    let j = p + 1;
    for (;;) {
      const k = line.indexOf("'", j);
      if (k < 0) bail();
      out += line.slice(j, k);
      if (line[k + 1] === "'") {
        out += "'";
        j = k + 2;
      } else return { value: out, end: k + 1 };
    }
  }
  let out = '';
  let j = p + 1;
  for (;;) {
    let k = j;
    while (k < line.length && line[k] !== '"' && line[k] !== '\\') k++;
    if (k >= line.length) bail();
    out += line.slice(j, k);
    if (line[k] === '"') return { value: out, end: k + 1 };
    const e = line[k + 1];
    const size = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (size) {
      const hex = line.slice(k + 2, k + 2 + size);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== size) bail();
      const code = parseInt(hex, 16);
      // Surrogates and values beyond Unicode are left to the full path.
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) bail();
      out += String.fromCodePoint(code);
      j = k + 2 + size;
    } else {
      const r = e === undefined ? undefined : ESCAPES[e];
      if (r === undefined) bail();
      out += r;
      j = k + 2;
    }
  }
}
