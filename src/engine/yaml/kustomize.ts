/**
 * YAML as kustomize reads it: resources and strategic merge patches through kyaml (go-yaml v3 scalars, then JSON
 * for the output), kustomization files and JSON patches through sigs.k8s.io/yaml (YAML 1.1 scalars).
 * Parse errors name the file and line.
 */

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Scalar,
  type Tags,
} from 'yaml';
import { checkYamlDocument, limitErrorLine, YamlLimitError } from './limits.js';
import { parseFastYaml, resolvePlain, type FastYamlMode } from './fast-block.js';
import { KustomizeError } from '../errors.js';
import { decodeUtf8, findInvalidUtf8 } from '../../util/utf8.js';

export interface YamlDocument {
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
}

const YAML11 = {
  version: '1.1' as const,
  // Checked in linear time by checkYamlDocument.
  uniqueKeys: false,
  merge: true,
  customTags: (tags: Tags) =>
    tags.filter((t) => typeof t === 'string' || !/timestamp|binary|omap|pairs|set$/.test(t.tag)),
};

/** All documents of a resource stream, go-yaml v3 style; empty documents (null, `{}`) are dropped. */
export function parseResourceYaml(text: string, file: string): YamlDocument[] {
  const fast = parseFastYaml(text, kyamlFastMode(), true);
  if (fast) return fast.filter((d) => !isEmptyDocument(d.value)).map((d) => ({ value: d.value, line: d.line }));
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { merge: true, uniqueKeys: false, lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  const result: YamlDocument[] = [];
  for (const doc of docs) {
    checkErrors(doc, lines, file);
    resolveLikeGo(doc, text);
    // A fresh tree: aliases must not share objects, later transformations mutate in place.
    const value = deepCopy(doc.toJS({ maxAliasCount: -1 }) as unknown);
    markEmptyNulls(doc.contents, value);
    if (isEmptyDocument(value)) continue;
    result.push({ value, line: lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line });
  }
  return result;
}

const isEmptyDocument = (value: unknown): boolean =>
  value === null || value === undefined || (isPlainObject(value) && Object.keys(value).length === 0);

let fastMode: FastYamlMode | undefined;

/** The fast path for large plain files (yaml/fast-block.ts) with the resolution of resolveLikeGo. */
function kyamlFastMode(): FastYamlMode {
  return (fastMode ??= {
    plainValue: resolvePlainScalar,
    // Keys stay text, as in resolveLikeGo.
    plainKey: (s) => s,
    schema: parseDocument('', { merge: true, uniqueKeys: false }).schema,
    emptyValue: (container, key) => {
      const marks = emptyNulls.get(container) ?? new Set<string>();
      marks.add(key);
      emptyNulls.set(container, marks);
    },
    clipAtEndOfInputKeepsNewline: false,
  });
}

let yaml11Mode: FastYamlMode | undefined;
/** Thrown by the YAML 1.1 plain-scalar resolution where the `yaml` package reports an error: the full path names it. */
const YAML11_RESOLVE_FAILED = new Error('a YAML 1.1 scalar the full path reports');

/**
 * The fast path (yaml/fast-block.ts) for kustomization files: plain scalars resolved as the `yaml` package's YAML
 * 1.1 schema of the full path resolves them (the first default tag whose test matches), keys kept only when they
 * resolve to themselves.
 */
function yaml11FastMode(): FastYamlMode {
  if (yaml11Mode) return yaml11Mode;
  const schema = parseDocument('', YAML11).schema;
  const resolve = (s: string, key: boolean): unknown => {
    const v = resolvePlain(schema, s, key, () => {
      throw YAML11_RESOLVE_FAILED;
    });
    return isScalar(v) ? v.value : v;
  };
  return (yaml11Mode = {
    plainValue: (s) => resolve(s, false),
    plainKey: (s) => (resolve(s, true) === s ? s : undefined),
    schema,
    clipAtEndOfInputKeepsNewline: true,
  });
}

/** A manifest or kustomization file as text; invalid UTF-8 is an error naming it (go-yaml rejects it too). */
export function readYamlText(bytes: Uint8Array, file: string): string {
  const text = decodeUtf8(bytes);
  if (text === undefined)
    throw new KustomizeError('invalid UTF-8 (not a text file?)', file, findInvalidUtf8(bytes)?.line);
  return text;
}

export interface Yaml11Document {
  value: unknown;
  /** The line of a key path; from the fast path, the first call parses the text in full. */
  lineOf: (path: (string | number)[]) => number | undefined;
}

/** One YAML 1.1 document (kustomization files, JSON patches), with a way to find the line of a key path. */
export function parseYaml11(text: string, file: string): Yaml11Document {
  let fast: ReturnType<typeof parseFastYaml>;
  try {
    fast = parseFastYaml(text, yaml11FastMode(), false);
  } catch (e) {
    if (e !== YAML11_RESOLVE_FAILED) throw e;
    fast = undefined;
  }
  if (fast) {
    let full: Yaml11Document | undefined;
    return { value: fast[0]?.value ?? null, lineOf: (at) => (full ??= parseYaml11Full(text, file)).lineOf(at) };
  }
  return parseYaml11Full(text, file);
}

function parseYaml11Full(text: string, file: string): Yaml11Document {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML11, lineCounter: lines });
  checkErrors(doc, lines, file);
  return { value: doc.toJS({ maxAliasCount: -1 }) as unknown, lineOf: (path) => lineOfPath(doc, lines, path) };
}

/**
 * Map entries written with no value at all (`key:`). kyaml drops those when a strategic merge patch walks the
 * object, but keeps an explicit `key: null`; both are null here, so the difference is remembered per container.
 */
const emptyNulls = new WeakMap<object, Set<string>>();

export function isEmptyNull(container: object, key: string): boolean {
  return emptyNulls.get(container)?.has(key) ?? false;
}

/** A deep copy of plain data that keeps the empty-null marks. Hot (every reused build is copied): no allocations but the copies. */
export function deepCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepCopy(v[i]);
    return out as T;
  }
  const copy: Record<string, unknown> = {};
  const from = v as Record<string, unknown>;
  // for-in: the data is plain objects and arrays (parsed YAML/JSON), with no enumerable inherited keys.
  for (const k in from) {
    // A `__proto__` key is data (an own property), never the copy's prototype.
    if (k === '__proto__')
      Object.defineProperty(copy, k, {
        value: deepCopy(from[k]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    else copy[k] = deepCopy(from[k]);
  }
  const marks = emptyNulls.get(v);
  if (marks) emptyNulls.set(copy, new Set(marks));
  return copy as T;
}

function markEmptyNulls(node: unknown, value: unknown): void {
  if (isMap(node) && isPlainObject(value)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (key === '<<') continue;
      const v = pair.value;
      if (v === null || (isScalar(v) && v.value === null && !v.tag && v.source === '')) {
        const marks = emptyNulls.get(value) ?? new Set<string>();
        marks.add(key);
        emptyNulls.set(value, marks);
      } else {
        markEmptyNulls(v, value[key]);
      }
    }
  } else if (isSeq(node) && Array.isArray(value)) {
    node.items.forEach((item, i) => markEmptyNulls(item, value[i]));
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkErrors(doc: Document, lines: LineCounter, file: string): void {
  const error = doc.errors[0];
  if (!error) {
    try {
      checkYamlDocument(doc, { uniqueKeys: true });
    } catch (e) {
      if (e instanceof YamlLimitError)
        throw new KustomizeError(`invalid YAML: ${e.message}`, file, limitErrorLine(e, lines));
      throw e;
    }
    return;
  }
  const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
  throw new KustomizeError(`invalid YAML: ${error.message.split('\n')[0]}`, file, line);
}

function lineOfPath(doc: Document, lines: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = doc.getIn(path.slice(0, n - 1), true) as Node | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    } else if (isSeq(parent)) {
      const item = parent.items[path[n - 1] as number] as Node | undefined;
      if (item?.range) return lines.linePos(item.range[0]).line;
    }
  }
  return undefined;
}

/** Re-resolves untagged plain scalars the way go-yaml v3 does (Go integer syntax, octal `0644`, timestamps). */
function resolveLikeGo(doc: Document, text: string): void {
  visit(doc, {
    Scalar(key, node) {
      if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return clipAtEndOfInput(node, text);
      if (node.type !== 'PLAIN' || node.tag || typeof node.source !== 'string') return;
      // Keys stay text, as kyaml and JSON see them.
      node.value = key === 'key' ? node.source : resolvePlainScalar(node.source);
    },
  });
}

/**
 * A clipped block scalar (`|`, `>`) that ends the input without a line break has no final newline in go-yaml
 * (templated files lose their last newline, so this is common); the yaml package adds one.
 */
function clipAtEndOfInput(node: Scalar, text: string): void {
  if (!node.range || node.range[1] !== text.length || text.endsWith('\n') || typeof node.value !== 'string') return;
  const header = /^[|>][0-9+-]*/.exec(text.slice(node.range[0]))?.[0] ?? '';
  if (!header.includes('+') && !header.includes('-') && node.value.endsWith('\n')) node.value = node.value.slice(0, -1);
}

const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const SPECIAL: Record<string, unknown> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
  '': null,
  '~': null,
  null: null,
  Null: null,
  NULL: null,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
};

export function resolvePlainScalar(s: string): unknown {
  if (Object.prototype.hasOwnProperty.call(SPECIAL, s)) return SPECIAL[s];
  const c = s[0];
  if (c === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) ? Number(s) : s;
  if (!/[-+0-9]/.test(c)) return s;
  const timestamp = goTimestamp(s);
  if (timestamp !== undefined) return timestamp;
  const plain = s.replace(/_/g, '');
  const int = goParseInt(plain);
  if (int !== undefined) return int;
  if (GO_FLOAT.test(plain)) return Number(plain);
  return s;
}

/** strconv.ParseInt(s, 0, 64), falling back to ParseUint: sign, 0x/0o/0b prefixes, a leading 0 means octal. */
function goParseInt(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2];
  let value: bigint;
  if (/^0[xXoObB]/.test(digits)) value = BigInt(digits.toLowerCase());
  else if (digits.length > 1 && digits[0] === '0') value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  if (m[1] === '-') value = -value;
  if (value > 18446744073709551615n || value < -9223372036854775808n || (m[1] === '+' && value > 9223372036854775807n))
    return undefined;
  return Number(value);
}

/** go-yaml v3 timestamps, as encoding/json prints the time.Time they decode to. */
function goTimestamp(s: string): string | undefined {
  // The layouts go-yaml tries: "2006-1-2T15:4:5.999999999Z07:00" (also with 't'), "2006-1-2 15:4:5.999999999", "2006-1-2".
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?))?$/.exec(
      s,
    );
  if (!m) return undefined;
  const [y, mo, d] = [m[1], m[2], m[3]];
  const [h, mi, se, frac] = m[4] !== undefined ? [m[4], m[5], m[6], m[7]] : [m[9], m[10], m[11], m[12]];
  const zone = m[8];
  const pad = (v: string | undefined): string => (v ?? '0').padStart(2, '0');
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > days) return undefined;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(se ?? 0) > 59) return undefined;
  const fraction = frac ? `.${frac.slice(0, 9)}`.replace(/0+$/, '').replace(/\.$/, '') : '';
  const offset = !zone || zone === 'Z' || /^[-+]00:00$/.test(zone) ? 'Z' : zone;
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(se)}${fraction}${offset}`;
}
