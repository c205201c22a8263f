/** The name suffix kustomize gives generated ConfigMaps and Secrets: a digest of their name and content. */

import { createHash } from 'node:crypto';
import type { Obj } from './resource.js';
import { isPlainObject } from '../yaml/kustomize.js';
import { scalarText } from '../../util/scalar.js';

export function contentHash(obj: Obj): string {
  // kustomize looks the name up as a single field called "metadata/name", so it is always empty.
  const name = '';
  let encoded: Obj;
  if (obj.kind === 'ConfigMap') {
    encoded = { kind: 'ConfigMap', name, data: nodeValue(obj.data) };
    if (isPlainObject(obj.binaryData)) encoded.binaryData = obj.binaryData;
  } else if (obj.kind === 'Secret') {
    encoded = { kind: 'Secret', type: nodeValue(obj.type), name, data: nodeValue(obj.data) };
    if (isPlainObject(obj.stringData)) encoded.stringData = obj.stringData;
  } else {
    encoded = obj;
  }
  return encodeHash(createHash('sha256').update(goJson(encoded)).digest('hex'));
}

/** The first ten hex digits, with the letters and digits that could spell words swapped out. */
function encodeHash(hex: string): string {
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

/** A missing field counts as "", a scalar as its text, anything else as itself. */
function nodeValue(v: unknown): unknown {
  if (v === undefined) return '';
  if (v !== null && typeof v === 'object') return v;
  return goScalar(v);
}

function goScalar(v: unknown): string {
  return scalarText(v);
}

/** encoding/json's Marshal: sorted keys (by UTF-8 bytes), HTML-safe escaping, U+2028/U+2029 escaped. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goString(k)}:${goJson((v as Obj)[k])}`).join(',')}}`;
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
