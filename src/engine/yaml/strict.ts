/**
 * Kluctl reads its own files with sigs.k8s.io/yaml (YAML 1.1 scalars, JSON-compatible values) and `UnmarshalStrict`:
 * duplicate keys, unknown fields and mistyped values are errors. Errors name the file and line.
 */

import * as fs from 'node:fs';
import {
  isMap,
  isPair,
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
import { goScalarAsString, goValueToJs, resolveGoV2 } from './go-yaml-v2.js';
import { checkYamlDocument, limitErrorLine, YamlLimitError } from './limits.js';
import { parseFastYaml, type FastYamlMode } from './fast-block.js';
import { decodeUtf8, findInvalidUtf8 } from '../../util/utf8.js';
import { ProjectError } from '../errors.js';

/** A file's shape for strict loading; the shapes of Kluctl's files are engine/project/schema.ts. */
export type Schema =
  | { type: 'string' | 'bool' | 'int' | 'any' | 'scalar' }
  | { type: 'object'; fields: Record<string, Schema> }
  | { type: 'list'; of: Schema }
  | { type: 'map'; of: Schema }
  /** Either of the shapes, checked in order (e.g. a string or a list of strings). */
  | { type: 'either'; options: Schema[] };

/** JSON-like YAML options: YAML 1.1 booleans/octals as Go's yaml.v2 reads them, but no timestamps or binary. */
const OPTIONS = {
  version: '1.1' as const,
  // Checked in linear time by checkYamlDocument (the package's own check is quadratic).
  uniqueKeys: false,
  merge: true,
  customTags: (tags: Tags) =>
    tags.filter((t) => typeof t === 'string' || !/timestamp|binary|omap|pairs|set$/.test(t.tag)),
};

let fastMode: FastYamlMode | undefined;

/** The fast path for large plain files (yaml/fast-block.ts) with the scalar resolution of resolveLikeKluctl. */
function strictFastMode(): FastYamlMode {
  return (fastMode ??= {
    plainValue: (s) => goValueToJs(resolveGoV2(s)),
    plainKey: (s) => {
      const go = resolveGoV2(s);
      if (go === null || go === '<<') return undefined;
      return typeof go === 'string' ? go : goScalarAsString(go);
    },
    schema: parseDocument('', OPTIONS).schema,
    clipAtEndOfInputKeepsNewline: true,
  });
}

export function parseYaml(text: string, file?: string, schema?: Schema): unknown {
  const docs = parseFastYaml(text, strictFastMode(), false);
  if (docs) {
    const value = docs.length ? docs[0].value : null;
    // The syntax tree is needed for a schema only to name the line of a problem and to give a number or bool where
    // a string is expected its text (coerceStrings): a value that needs neither is what the full path gives.
    if (!schema || (!needsCoercion(value, schema) && !validate(value ?? {}, schema, []))) return value;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter: lines });
  checkErrors(doc, lines, file);
  const goValues = resolveLikeKluctl(doc, lines, file);
  const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
  if (schema) {
    coerceStrings(value, doc.contents, schema, goValues);
    const problem = validate(value ?? {}, schema, []);
    if (problem) throw new ProjectError(file, lineOf(doc, lines, problem.path), problem.message);
  }
  return value;
}

/** All documents of a stream, empty ones dropped. */
export function parseYamlAll(text: string, file?: string): unknown[] {
  const fast = parseFastYaml(text, strictFastMode(), true);
  if (fast) return fast.map((d) => d.value).filter((v) => v !== null && v !== undefined);
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...OPTIONS, lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    checkErrors(doc, lines, file);
    resolveLikeKluctl(doc, lines, file);
  }
  return docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((v) => v !== null && v !== undefined);
}

export function readYamlFile(file: string, schema?: Schema): unknown {
  return parseYaml(readUtf8File(file), file, schema);
}

/** Decodes UTF-8 strictly: invalid bytes are an error naming the file and line, never replaced by U+FFFD. */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new ProjectError(file, findInvalidUtf8(bytes)?.line, 'invalid UTF-8');
  return text;
}

/** Reads a text file; a missing file or invalid UTF-8 is an error naming it. */
export function readUtf8File(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ProjectError(
      file,
      undefined,
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e),
    );
  }
  return decodeUtf8File(bytes, file);
}

/** Syntax errors, then aliasing and duplicate keys (both bounded, see yaml/limits.ts); aliases expand only after. */
function checkErrors(doc: Document, lines: LineCounter, file: string | undefined): void {
  const error = doc.errors[0];
  if (!error) {
    try {
      checkYamlDocument(doc, { uniqueKeys: true });
    } catch (e) {
      if (e instanceof YamlLimitError) throw new ProjectError(file, limitErrorLine(e, lines), e.message);
      throw e;
    }
    return;
  }
  const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
  const message =
    error.code === 'DUPLICATE_KEY' ? `duplicate key: ${error.message.split('\n')[0]}` : error.message.split('\n')[0];
  throw new ProjectError(file, line, message);
}

/**
 * Plain scalars resolved as go-yaml v2 does (see yaml/go-yaml-v2.ts), keys turned into the strings
 * sigs.k8s.io/yaml makes of them; a mapping or sequence used as a key is an error, as there. Returns the Go value of
 * each resolved scalar, for string fields.
 */
function resolveLikeKluctl(doc: Document, lines: LineCounter, file: string | undefined): WeakMap<Scalar, unknown> {
  const goValues = new WeakMap<Scalar, unknown>();
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key && !isScalar(pair.key) && typeof pair.key === 'object') {
        const range = (pair.key as Node).range;
        throw new ProjectError(
          file,
          range ? lines.linePos(range[0]).line : undefined,
          `unsupported map key: a ${isMap(pair.key) ? 'mapping' : isSeq(pair.key) ? 'sequence' : 'alias'} used as a key`,
        );
      }
    },
    Scalar(key, node) {
      if (node.type !== 'PLAIN' || node.tag || typeof node.source !== 'string') return;
      const go = resolveGoV2(node.source);
      goValues.set(node, go);
      if (key === 'key') {
        if (go === null) throw new ProjectError(file, lineAt(node, lines), 'unsupported map key: null');
        node.value = go === '<<' ? '<<' : typeof go === 'string' ? go : goScalarAsString(go);
      } else {
        node.value = goValueToJs(go);
      }
    },
  });
  return goValues;
}

const lineAt = (node: Node, lines: LineCounter): number | undefined =>
  node.range ? lines.linePos(node.range[0]).line : undefined;

/** Numbers and booleans written where kluctl expects a string become its text, as sigs.k8s.io/yaml converts them. */
/** The schema of an object's field: an own entry only (`constructor`, `__proto__` and the like are unknown fields). */
function fieldOf(schema: { fields: Record<string, Schema> }, key: string): Schema | undefined {
  return Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
}

/** Whether coerceStrings would change `value`: a number or bool where the schema takes a string. */
function needsCoercion(value: unknown, schema: Schema): boolean {
  if (value === null || value === undefined) return false;
  switch (schema.type) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean';
    case 'list':
      return Array.isArray(value) && value.some((v) => needsCoercion(v, schema.of));
    case 'map':
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      for (const [k, v] of Object.entries(value)) {
        const field = schema.type === 'map' ? schema.of : fieldOf(schema, k);
        if (field && needsCoercion(v, field)) return true;
      }
      return false;
    case 'either': {
      // As coerceStrings: a scalar by the string option, a list by the list option, a mapping by the object option.
      const option = schema.options.find((o) =>
        typeof value !== 'object'
          ? o.type === 'string'
          : Array.isArray(value)
            ? o.type === 'list'
            : o.type === 'object',
      );
      return option !== undefined && needsCoercion(value, option);
    }
    default:
      return false;
  }
}

function coerceStrings(value: unknown, node: unknown, schema: Schema, goValues: WeakMap<Scalar, unknown>): unknown {
  if (value === null || value === undefined || !node || typeof node !== 'object') return value;
  switch (schema.type) {
    case 'string':
      if (isScalar(node) && (typeof value === 'number' || typeof value === 'boolean'))
        return goScalarAsString(goValues.has(node) ? goValues.get(node) : value) ?? value;
      return value;
    case 'list':
      if (Array.isArray(value) && isSeq(node))
        node.items.forEach((item, i) => (value[i] = coerceStrings(value[i], item, schema.of, goValues)));
      return value;
    case 'map':
    case 'object':
      if (typeof value === 'object' && !Array.isArray(value) && isMap(node)) {
        const record = value as Record<string, unknown>;
        for (const pair of node.items) {
          if (!isPair(pair) || !isScalar(pair.key)) continue;
          const k = String(pair.key.value);
          const field = schema.type === 'map' ? schema.of : fieldOf(schema, k);
          if (field && Object.prototype.hasOwnProperty.call(record, k))
            record[k] = coerceStrings(record[k], pair.value, field, goValues);
        }
      }
      return value;
    case 'either': {
      // A string-or-list field: scalars become strings, list items too.
      const stringy = schema.options.find((o) => o.type === 'string');
      const listy = schema.options.find((o) => o.type === 'list');
      if (isScalar(node) && stringy) return coerceStrings(value, node, stringy, goValues);
      if (isSeq(node) && listy) return coerceStrings(value, node, listy, goValues);
      const objecty = schema.options.find((o) => o.type === 'object');
      if (isMap(node) && objecty) return coerceStrings(value, node, objecty, goValues);
      return value;
    }
    default:
      return value;
  }
}

function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      // For an unknown key, point at the key itself rather than its value.
      if (n === path.length && isMap(doc.getIn(path.slice(0, n - 1), true))) {
        const parent = doc.getIn(path.slice(0, n - 1), true) as { items: Array<{ key: Node; value: Node }> };
        const pair = parent.items.find((p) => (p.key as { value?: unknown }).value === path[n - 1]);
        if (pair?.key?.range) return lines.linePos(pair.key.range[0]).line;
      }
      return lines.linePos(node.range[0]).line;
    }
    if (isSeq(node)) break;
  }
  return undefined;
}

interface Problem {
  path: (string | number)[];
  message: string;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The first place where `value` does not fit `schema`; null values are accepted everywhere (Go zero values). */
export function validate(value: unknown, schema: Schema, path: (string | number)[]): Problem | undefined {
  if (value === null || value === undefined) return undefined;
  const at = path.length ? ` at ${path.join('.')}` : '';
  switch (schema.type) {
    case 'any':
      return undefined;
    case 'scalar':
      return typeof value === 'object'
        ? { path, message: `expected a scalar${at}, got ${describe(value)}` }
        : undefined;
    case 'string':
      return typeof value === 'string'
        ? undefined
        : { path, message: `cannot unmarshal ${describe(value)} into a string${at}` };
    case 'bool':
      return typeof value === 'boolean'
        ? undefined
        : { path, message: `cannot unmarshal ${describe(value)} into a bool${at}` };
    case 'int':
      return Number.isInteger(value)
        ? undefined
        : { path, message: `cannot unmarshal ${describe(value)} into an int${at}` };
    case 'list':
      if (!Array.isArray(value)) return { path, message: `cannot unmarshal ${describe(value)} into a list${at}` };
      for (let i = 0; i < value.length; i++) {
        const p = validate(value[i], schema.of, [...path, i]);
        if (p) return p;
      }
      return undefined;
    case 'map':
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value))
        return { path, message: `cannot unmarshal ${describe(value)} into an object${at}` };
      for (const [k, v] of Object.entries(value)) {
        const field = schema.type === 'map' ? schema.of : fieldOf(schema, k);
        if (!field) return { path: [...path, k], message: `unknown field "${k}"${at}` };
        const p = validate(v, field, [...path, k]);
        if (p) return p;
      }
      return undefined;
    }
    case 'either': {
      let first: Problem | undefined;
      for (const option of schema.options) {
        const p = validate(value, option, path);
        if (!p) return undefined;
        first ??= p;
      }
      return first;
    }
  }
}
