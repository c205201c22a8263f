/**
 * Kluctl's `from_yaml`: PyYAML `safe_load` (YAML 1.1). The `yaml` package parses the syntax with every scalar
 * kept as text; the YAML 1.1 resolution (`yes` → True, `017` → 15, `1e3` stays a string, merge keys) is PyYAML's.
 */

import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { mapSet } from '../template/python/containers.js';
import { PyError } from '../template/python/errors.js';
import { PyObject, type PyDict, type PyValue } from '../template/python/values.js';
import { checkYamlDocument, YamlLimitError } from './limits.js';
import { constructFloat, constructInt, resolvePlain } from './pyyaml-resolve.js';
import { scalarText } from '../../util/scalar.js';

/** A `datetime.date` (YAML 1.1 timestamps without a time). */
export class PyDate extends PyObject {
  readonly typeName = 'date';
  override readonly module = 'datetime';
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {
    super();
  }
  override str(): string {
    return `${String(this.year).padStart(4, '0')}-${String(this.month).padStart(2, '0')}-${String(this.day).padStart(2, '0')}`;
  }
  override repr(): string {
    return `datetime.date(${this.year}, ${this.month}, ${this.day})`;
  }
}

const TAG = 'tag:yaml.org,2002:';

function constructorError(message: string): PyError {
  return new PyError('ConstructorError', message);
}

function scalarValue(text: string, kind: string): PyValue {
  switch (kind) {
    case 'null':
      return null;
    case 'bool':
      return ['yes', 'true', 'on'].includes(text.toLowerCase());
    case 'int':
      return constructInt(text);
    case 'float':
      return constructFloat(text);
    case 'timestamp': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      return m ? new PyDate(Number(m[1]), Number(m[2]), Number(m[3])) : text;
    }
    default:
      return text;
  }
}

function convert(node: Node | null | undefined, doc: Document): PyValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convert(node.resolve(doc), doc);
  const tag = node.tag;
  if (tag !== undefined && !tag.startsWith(TAG) && tag !== '!')
    throw constructorError(`could not determine a constructor for the tag '${tag}'`);
  const explicit = tag?.startsWith(TAG) ? tag.slice(TAG.length) : undefined;
  if (isScalar(node)) {
    const text = scalarText(node.value);
    if (explicit !== undefined) {
      if (!['str', 'int', 'float', 'bool', 'null', 'timestamp'].includes(explicit))
        throw constructorError(`could not determine a constructor for the tag '${tag}'`);
      return scalarValue(text, explicit);
    }
    return node.type === 'PLAIN' && tag === undefined ? scalarValue(text, resolvePlain(text)) : text;
  }
  if (isSeq(node)) return node.items.map((item) => convert(item as Node, doc));
  if (isMap(node)) return convertMap(node.items as { key: Node; value: Node }[], doc);
  throw constructorError('unsupported YAML node');
}

/** A mapping, with `<<` merge keys flattened in first (so the mapping's own keys win). */
function convertMap(pairs: { key: Node; value: Node | null }[], doc: Document): PyDict {
  const merged: PyDict[] = [];
  const own: [PyValue, PyValue][] = [];
  for (const { key, value } of pairs) {
    if (isScalar(key) && key.type === 'PLAIN' && key.tag === undefined && String(key.value) === '<<') {
      const source = convert(value, doc);
      const maps = Array.isArray(source) ? [...source].reverse() : [source];
      for (const m of maps) {
        if (!(m instanceof Map)) throw constructorError('expected a mapping or list of mappings for merging');
        merged.push(m);
      }
      continue;
    }
    const k = convert(key, doc);
    if (Array.isArray(k) || k instanceof Map) throw constructorError('found unhashable key');
    own.push([k, convert(value, doc)]);
  }
  const out: PyDict = new Map();
  for (const m of merged) for (const [k, v] of m) mapSet(out, k, v);
  for (const [k, v] of own) mapSet(out, k, v);
  return out;
}

export function fromYaml(text: string): PyValue {
  const docs = parseAllDocuments(text, { version: '1.1', schema: 'failsafe', uniqueKeys: false, merge: false });
  if (!Array.isArray(docs)) throw new PyError('ComposerError', 'invalid YAML stream');
  if (docs.length > 1) throw new PyError('ComposerError', 'expected a single document in the stream');
  if (docs.length === 0) return null;
  const [doc] = docs;
  if (doc.errors.length > 0) throw new PyError('YAMLError', doc.errors[0].message);
  // PyYAML shares aliased objects; printing a shared bomb would still explode, so aliasing is bounded as in go-yaml.
  try {
    checkYamlDocument(doc);
  } catch (e) {
    if (e instanceof YamlLimitError) throw new PyError('YAMLError', e.message);
    throw e;
  }
  return convert(doc.contents, doc);
}
