/**
 * SOPS's stores for the formats Kluctl decrypts: an encrypted file is read into its documents plus the metadata,
 * and the decrypted documents are written back in the file's own format (as `sops -d` prints them), for whatever
 * reads the file next (a YAML parser, kustomize's generators, helm).
 *
 * Trees are JSON-like with `Map`s for mappings (key order kept, as SOPS keeps it). Comments are dropped from YAML
 * and JSON (no reader downstream sees them); dotenv comments are kept, as they end up in generated data.
 */

import { Document, Pair, parseAllDocuments, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { SopsError } from './errors.js';
import type { SopsFormat } from './format.js';
import { toMetadata, type SopsMetadata } from './metadata.js';

export type Tree = Map<string, Tree> | Tree[] | string | number | boolean | null;
/** A dotenv line: a `KEY=value` pair or a `#comment`. */
export type DotenvLine = { key: string; value: string } | { comment: string };

export type SopsDocument =
  | { format: 'yaml' | 'json' | 'binary'; docs: Tree[]; metadata: SopsMetadata }
  | { format: 'dotenv'; lines: DotenvLine[]; metadata: SopsMetadata };

const MAX_ALIASES = 1000;

function isMapLike(v: unknown): v is Map<unknown, unknown> {
  return v instanceof Map;
}

/** The `sops` entry of a top-level map, removed from it; undefined when there is none (or it is null, as SOPS's nil). */
function takeMetadata(doc: unknown): unknown {
  if (!isMapLike(doc) || !doc.has('sops')) return undefined;
  const raw = doc.get('sops');
  doc.delete('sops');
  return raw === null ? undefined : raw;
}

/** Map → plain object, for the metadata only. */
function plain(v: unknown): unknown {
  if (isMapLike(v)) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function normalizeKeys(v: unknown): Tree {
  if (isMapLike(v)) return new Map([...v].map(([k, x]) => [String(k), normalizeKeys(x)]));
  if (Array.isArray(v)) return v.map(normalizeKeys);
  if (v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return v as Tree;
}

function loadYaml(text: string, file: string): SopsDocument | undefined {
  const docs = parseAllDocuments(text, { version: '1.2', uniqueKeys: false });
  if (!Array.isArray(docs) || docs.length === 0) return undefined;
  // Not YAML: not a SOPS file for us; the reader after us reports the syntax error.
  if (docs.some((d) => d.errors.length > 0)) return undefined;
  const values = docs.map((d) => d.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIASES }) as unknown);
  // SOPS takes the metadata from the first document and drops the `sops` key of every document.
  const raw = takeMetadata(values[0]);
  if (raw === undefined) return undefined;
  values.slice(1).forEach(takeMetadata);
  return { format: 'yaml', docs: values.map(normalizeKeys), metadata: toMetadata(plain(raw), file) };
}

function loadJson(text: string, file: string, format: 'json' | 'binary'): SopsDocument | undefined {
  let value: unknown;
  try {
    // JSON is YAML: the YAML parser gives Maps that keep the key order.
    const docs = parseAllDocuments(text, { version: '1.2', schema: 'json', uniqueKeys: false });
    if (!Array.isArray(docs) || docs.length !== 1 || docs[0].errors.length > 0) return undefined;
    value = docs[0].toJS({ mapAsMap: true, maxAliasCount: 0 });
  } catch {
    return undefined;
  }
  const raw = takeMetadata(value);
  if (raw === undefined) return undefined;
  if (format === 'binary' && !(isMapLike(value) && typeof value.get('data') === 'string'))
    throw new SopsError(file, "a SOPS binary file needs a string 'data' entry");
  return { format, docs: [normalizeKeys(value)], metadata: toMetadata(plain(raw), file) };
}

/** SOPS's unflattening of `sops_`-prefixed dotenv keys: `age__list_0__map_recipient` → {age: [{recipient}]}. */
function unflatten(flat: Map<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of flat) {
    const tokens = key.split(/__(?=(?:map|list)_)/);
    let node: Record<string, unknown> | unknown[] = root;
    tokens.forEach((token, i) => {
      const name: string | number =
        i === 0 ? token : token.startsWith('list_') ? Number(token.slice(5)) : token.slice(4);
      const last = i === tokens.length - 1;
      const nextIsList = !last && tokens[i + 1].startsWith('list_');
      const container = node as Record<string | number, unknown>;
      if (last) container[name] = value.replace(/\\n/g, '\n');
      else {
        container[name] ??= nextIsList ? [] : {};
        node = container[name] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

function loadDotenv(text: string, file: string): SopsDocument | undefined {
  const lines: DotenvLine[] = [];
  const meta = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.length === 0) continue;
    if (line.startsWith('#')) {
      lines.push({ comment: line.slice(1) });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) return undefined; // not dotenv as SOPS writes it; the reader after us decides
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replace(/\\n/g, '\n');
    if (key.startsWith('sops_')) meta.set(key.slice(5), value);
    else lines.push({ key, value });
    void i;
  }
  if (meta.size === 0) return undefined;
  return { format: 'dotenv', lines, metadata: toMetadata(unflatten(meta), file) };
}

/**
 * The encrypted file's documents and metadata, or undefined when `text` carries no SOPS metadata (a plain file).
 * Throws a SopsError for SOPS files kluctl-ts cannot read (INI) or whose metadata is broken.
 */
export function loadEncrypted(text: string, format: SopsFormat, file: string): SopsDocument | undefined {
  switch (format) {
    case 'yaml':
      return loadYaml(text, file);
    case 'json':
    case 'binary':
      return loadJson(text, file, format);
    case 'dotenv':
      return loadDotenv(text, file);
    case 'ini':
      if (/^\s*\[sops\]\s*$/m.test(text))
        throw new SopsError(file, 'SOPS-encrypted INI files are not supported by kluctl-ts');
      return undefined;
  }
}

// ---- emitting the decrypted documents ----

/** Go's encoding/json string escaping (HTML-safe: <, >, & and U+2028/9 escaped). */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** SOPS's JSON output: its own encoder, then json.Indent with a tab. */
function goJson(v: Tree, indent: string): string {
  const inner = `${indent}\t`;
  if (v instanceof Map) {
    if (v.size === 0) return '{}';
    const items = [...v].map(([k, x]) => `${inner}${goJsonString(k)}: ${goJson(x, inner)}`);
    return `{\n${items.join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${inner}${goJson(x, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (typeof v === 'string') return goJsonString(v);
  return JSON.stringify(v);
}

/** Plain strings a YAML 1.1 reader (go-yaml v2, PyYAML) would not read back as strings; go-yaml v3 quotes them too. */
const YAML11_SPECIAL =
  /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(0b[01_]+|0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)|\d{4}-\d\d?-\d\d?([Tt ].*)?|<<|=)$/;

/** The tree as YAML nodes (Maps stay mappings in their order); ambiguous strings double-quoted. */
function yamlNode(v: Tree): unknown {
  if (v instanceof Map) {
    const m = new YAMLMap();
    for (const [k, x] of v) m.items.push(new Pair(yamlNode(k), yamlNode(x)));
    return m;
  }
  if (Array.isArray(v)) {
    const s = new YAMLSeq();
    s.items = v.map(yamlNode);
    return s;
  }
  const s = new Scalar(v);
  if (typeof v === 'string' && YAML11_SPECIAL.test(v)) s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

/** The decrypted file as `sops -d` writes it (YAML: go-yaml v3 style with a 4-space indent, comments dropped). */
export function emitPlain(doc: SopsDocument): string {
  if (doc.format === 'dotenv') {
    return doc.lines
      .map((l) => ('comment' in l ? `#${l.comment}\n` : `${l.key}=${l.value.replace(/\n/g, '\\n')}\n`))
      .join('');
  }
  if (doc.format === 'binary') return (doc.docs[0] as Map<string, Tree>).get('data') as string;
  if (doc.format === 'json') return goJson(doc.docs[0], '');
  return doc.docs
    .map((d) => {
      const out = new Document();
      out.contents = yamlNode(d) as typeof out.contents;
      return out.toString({ indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0, blockQuote: 'literal' });
    })
    .join('---\n');
}
