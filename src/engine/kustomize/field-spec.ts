/**
 * kustomize field specs: a gvk filter and a slash path (`a/b[]/c`, `\/` escapes a slash) through maps, stepping
 * into every element of any list on the way, optionally creating what is missing.
 */

import { KustomizeError } from '../errors.js';
import type { FieldSpec } from './kustomization.js';
import { parseApiVersion, type GvkSelector } from './resid.js';
import type { Obj } from './resource.js';
import { isPlainObject } from '../yaml/kustomize.js';

/** Where a value lives, so setters can replace it. */
export interface FieldRef {
  container: Obj | unknown[];
  key: string | number;
}

export function getRef(ref: FieldRef): unknown {
  return (ref.container as Record<string | number, unknown>)[ref.key];
}

export function setRef(ref: FieldRef, value: unknown): void {
  (ref.container as Record<string | number, unknown>)[ref.key] = value;
}

export interface FieldSpecOptions {
  /** What to create at the end of the path when it is missing and the spec says `create`; undefined: never create. */
  createKind?: 'map' | 'scalar';
  set: (ref: FieldRef) => void;
}

function specMatchesObject(spec: GvkSelector, obj: Obj): boolean {
  const { group, version } = parseApiVersion(typeof obj.apiVersion === 'string' ? obj.apiVersion : '');
  if (spec.kind && spec.kind !== obj.kind) return false;
  if (spec.group && spec.group !== group) return false;
  if (spec.version && spec.version !== version) return false;
  return true;
}

/** Split paths by path: every transformer applies its field specs to every resource (never changed by walk). */
const splitPaths = new Map<string, readonly string[]>();

function splitPath(p: string): readonly string[] {
  let split = splitPaths.get(p);
  if (!split) {
    if (splitPaths.size >= 10_000) splitPaths.clear();
    splitPaths.set(p, (split = splitPathOnce(p)));
  }
  return split;
}

function splitPathOnce(p: string): string[] {
  let parts = p.split('/');
  if (parts.length > 1 && parts[0] === '') parts = parts.slice(1);
  const result = [parts[0]];
  for (const part of parts.slice(1)) {
    const last = result.length - 1;
    if (result[last].endsWith('\\')) result[last] = `${result[last].slice(0, -1)}/${part}`;
    else result.push(part);
  }
  return result;
}

export function applyFieldSpec(obj: Obj, spec: FieldSpec, options: FieldSpecOptions): void {
  if (!specMatchesObject(spec, obj)) return;
  const holder = { root: obj };
  walk({ container: holder, key: 'root' }, splitPath(spec.path), spec, options);
}

function walk(ref: FieldRef, path: readonly string[], spec: FieldSpec, options: FieldSpecOptions): void {
  if (path.length === 0) return options.set(ref);
  const node = getRef(ref);
  if (node === null || node === undefined) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) walk({ container: node, key: i }, path, spec, options);
    return;
  }
  if (!isPlainObject(node))
    throw new KustomizeError(`considering field '${spec.path}': expected sequence or mapping node`);
  const isSeq = path[0].endsWith('[]');
  const name = isSeq ? path[0].slice(0, -2) : path[0];
  if (!name) throw new KustomizeError(`considering field '${spec.path}': cannot set or create an empty field name`);
  const create = !!spec.create && options.createKind !== undefined && !isSeq;
  const createAs = (): unknown => (path.length <= 1 ? (options.createKind === 'map' ? {} : '') : {});
  if (!Object.prototype.hasOwnProperty.call(node, name)) {
    if (!create) return;
    node[name] = createAs();
  } else if (node[name] === null && (create || isSeq)) {
    node[name] = isSeq ? [] : createAs();
  }
  walk({ container: node, key: name }, path.slice(1), spec, options);
}

/** kustomize's FsSlice.MergeOne: an effectively equal spec is not added twice, a conflicting `create` is an error. */
export function mergeFieldSpecs(into: FieldSpec[], incoming: FieldSpec[]): FieldSpec[] {
  const result = [...into];
  for (const x of incoming) {
    const existing = result.find(
      (s) =>
        s.path === x.path &&
        (!x.group || s.group === x.group) &&
        (!x.version || s.version === x.version) &&
        (!x.kind || s.kind === x.kind),
    );
    if (!existing) result.push(x);
    else if (!!existing.create !== !!x.create) throw new KustomizeError('conflicting fieldspecs');
  }
  return result;
}
