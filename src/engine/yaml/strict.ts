/**
 * Kluctl reads its own files with sigs.k8s.io/yaml (YAML 1.1 scalars, JSON-compatible values) and `UnmarshalStrict`:
 * duplicate keys, unknown fields and mistyped values are errors. Errors name the file and line.
 */

import * as fs from 'node:fs';
import { isMap, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node, type Tags } from 'yaml';
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
  uniqueKeys: true,
  merge: true,
  customTags: (tags: Tags) =>
    tags.filter((t) => typeof t === 'string' || !/timestamp|binary|omap|pairs|set$/.test(t.tag)),
};

export function parseYaml(text: string, file?: string, schema?: Schema): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter: lines });
  checkErrors(doc, lines, file);
  const value = doc.toJS({ maxAliasCount: 10000 }) as unknown;
  if (schema) {
    const problem = validate(value ?? {}, schema, []);
    if (problem) throw new ProjectError(file, lineOf(doc, lines, problem.path), problem.message);
  }
  return value;
}

/** All documents of a stream, empty ones dropped. */
export function parseYamlAll(text: string, file?: string): unknown[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...OPTIONS, lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) checkErrors(doc, lines, file);
  return docs.map((d) => d.toJS({ maxAliasCount: 10000 }) as unknown).filter((v) => v !== null && v !== undefined);
}

export function readYamlFile(file: string, schema?: Schema): unknown {
  return parseYaml(fs.readFileSync(file, 'utf8'), file, schema);
}

function checkErrors(doc: Document, lines: LineCounter, file: string | undefined): void {
  const error = doc.errors[0];
  if (!error) return;
  const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
  const message =
    error.code === 'DUPLICATE_KEY' ? `duplicate key: ${error.message.split('\n')[0]}` : error.message.split('\n')[0];
  throw new ProjectError(file, line, message);
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
        const field = schema.type === 'map' ? schema.of : schema.fields[k];
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
