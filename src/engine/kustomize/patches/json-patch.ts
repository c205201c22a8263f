/** RFC 6902 JSON patches, with the semantics of the library kustomize uses (evanphx/json-patch v4). */

import { isDeepStrictEqual } from 'node:util';
import { KustomizeError } from '../../errors.js';
import { isPlainObject } from '../../yaml/kustomize.js';

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export function parseJsonPatch(value: unknown, source: string): JsonPatchOp[] {
  if (!Array.isArray(value)) throw new KustomizeError(`${source}: a JSON patch must be a list of operations`);
  return value.map((op, i) => {
    if (!isPlainObject(op) || typeof op.op !== 'string')
      throw new KustomizeError(`${source}: operation ${i} has no 'op'`);
    return op as unknown as JsonPatchOp;
  });
}

/** Applies the operations to a JSON copy of `doc` and returns it. */
export function applyJsonPatch(doc: unknown, ops: JsonPatchOp[]): unknown {
  const root = { v: JSON.parse(JSON.stringify(doc)) as unknown };
  for (const op of ops) {
    const fail = (what: string): never => {
      throw new KustomizeError(`${op.op} operation does not apply: ${what}: ${op.path}`);
    };
    switch (op.op) {
      case 'add':
        add(root, pointer(op.path), copy(op.value), fail);
        break;
      case 'remove':
        remove(root, pointer(op.path), fail);
        break;
      case 'replace': {
        const [con, key] = parent(root, pointer(op.path), fail);
        if (get(con, key) === undefined) fail('doc is missing key');
        set(con, key, copy(op.value), fail);
        break;
      }
      case 'move': {
        const value = remove(root, pointer(op.from ?? ''), fail);
        add(root, pointer(op.path), value, fail);
        break;
      }
      case 'copy': {
        const [con, key] = parent(root, pointer(op.from ?? ''), fail);
        const value = get(con, key);
        if (value === undefined) fail('doc is missing from key');
        add(root, pointer(op.path), copy(value), fail);
        break;
      }
      case 'test': {
        const [con, key] = parent(root, pointer(op.path), fail);
        const actual = get(con, key);
        if (!isDeepStrictEqual(actual ?? null, copy(op.value) ?? null))
          throw new KustomizeError(`testing value ${op.path} failed`);
        break;
      }
      default:
        throw new KustomizeError(`Unexpected kind: ${op.op}`);
    }
  }
  return root.v;
}

type Container = Record<string, unknown> | unknown[];

function pointer(p: string): string[] {
  if (p === '') return [];
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container of the last path element and that element; every step before it must exist. */
function parent(root: { v: unknown }, parts: string[], fail: (what: string) => never): [Container, string] {
  if (parts.length === 0) return [root, 'v'];
  let node: unknown = root.v;
  for (const part of parts.slice(0, -1)) {
    node = Array.isArray(node)
      ? node[arrayIndex(part, node.length, false, fail)]
      : isPlainObject(node)
        ? node[part]
        : undefined;
    if (node === undefined || node === null || typeof node !== 'object') fail('doc is missing path');
  }
  return [node as Container, parts[parts.length - 1]];
}

function arrayIndex(part: string, length: number, forInsert: boolean, fail: (what: string) => never): number {
  if (!/^-?\d+$/.test(part)) fail(`invalid array index '${part}'`);
  let i = Number(part);
  if (i < 0) i += length;
  if (i < 0 || i > (forInsert ? length : length - 1)) fail('index out of bounds');
  return i;
}

function get(con: Container, key: string): unknown {
  if (Array.isArray(con)) {
    if (!/^-?\d+$/.test(key)) return undefined;
    const i = Number(key) < 0 ? con.length + Number(key) : Number(key);
    return con[i];
  }
  return Object.prototype.hasOwnProperty.call(con, key) ? con[key] : undefined;
}

function set(con: Container, key: string, value: unknown, fail: (what: string) => never): void {
  if (Array.isArray(con)) con[arrayIndex(key, con.length, false, fail)] = value;
  else con[key] = value;
}

function add(root: { v: unknown }, parts: string[], value: unknown, fail: (what: string) => never): void {
  const [con, key] = parent(root, parts, fail);
  if (!Array.isArray(con)) {
    con[key] = value;
    return;
  }
  if (key === '-') con.push(value);
  else con.splice(arrayIndex(key, con.length, true, fail), 0, value);
}

function remove(root: { v: unknown }, parts: string[], fail: (what: string) => never): unknown {
  const [con, key] = parent(root, parts, fail);
  if (Array.isArray(con)) return con.splice(arrayIndex(key, con.length, false, fail), 1)[0];
  if (!Object.prototype.hasOwnProperty.call(con, key)) fail('doc is missing key');
  const value = con[key];
  delete con[key];
  return value;
}

function copy(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}
