/**
 * Strategic merge patches as kustomize applies them (kyaml merge2 with "prepend" list direction): maps merge,
 * `null` deletes, `$patch: delete|replace|merge` directives, lists merge by their schema keys (merged and new
 * elements first, in patch order, then the untouched ones) and are otherwise replaced by the patch.
 */

import { KustomizeError } from '../../errors.js';
import type { Obj } from '../resource.js';
import { isEmptyNull, isPlainObject, resolvePlainScalar } from '../../yaml/kustomize.js';
import { fieldSchema, resourceDefinition, type FieldSchema } from './merge-schema.js';
import { scalarText } from '../../../util/scalar.js';

/** The field goes away. */
const CLEAR = Symbol('clear');
/** An explicit `null` the walk keeps. */
const KEEP_NULL = Symbol('keep-null');
type Walked = unknown;

/** Merges `patch` into `dest` (both modified); undefined when the patch deletes the object. */
export function strategicMerge(dest: Obj, patch: Obj): Obj | undefined {
  const definition = resourceDefinition(scalarText(dest.apiVersion), scalarText(dest.kind));
  const result = walkMap(dest, patch, definition);
  return result === CLEAR || !isPlainObject(result) ? undefined : result;
}

function walk(dest: unknown, patch: unknown, schema: FieldSchema | undefined, destEmptyNull: boolean): Walked {
  const first = isNullish(dest) ? patch : dest;
  if (isNullish(first)) {
    // Nothing but nulls: an explicit null the patch does not mention survives, anything else goes.
    return patch === undefined && dest === null && !destEmptyNull ? KEEP_NULL : CLEAR;
  }
  const kind = kindOf(first);
  for (const v of [dest, patch]) {
    if (!isNullish(v) && kindOf(v) !== kind)
      throw new KustomizeError(`strategic merge patch: wrong node kind: expected ${kind}, got ${kindOf(v)}`);
  }
  if (kind === 'map') return walkMap(dest, patch, schema?.definition);
  if (kind === 'list')
    return schema?.mergeKeys ? walkMergedList(dest, patch, schema) : patch !== undefined ? patch : dest;
  return patch !== undefined ? patch : dest;
}

function walkMap(dest: unknown, patch: unknown, definition: string | undefined): Walked {
  let result: Obj;
  if (isNullish(dest)) {
    if (isPlainObject(patch) && directive(patch) === 'delete') return CLEAR;
    result = patch as Obj;
  } else {
    if (patch === null) return CLEAR;
    const d = isPlainObject(patch) ? directive(patch) : 'merge';
    if (d === 'delete') return CLEAR;
    result = d === 'replace' ? (patch as Obj) : (dest as Obj);
  }
  const source = isPlainObject(patch) ? patch : undefined;
  const keys = new Set([...Object.keys(result), ...Object.keys(source ?? {})]);
  for (const key of [...keys].sort()) {
    const v = walk(
      own(result, key),
      source ? own(source, key) : undefined,
      fieldSchema(definition, key),
      isEmptyNull(result, key),
    );
    if (v === KEEP_NULL) result[key] = null;
    else if (v === CLEAR || v === null || v === undefined) delete result[key];
    else result[key] = v;
  }
  return result;
}

function walkMergedList(dest: unknown, patch: unknown, schema: FieldSchema): Walked {
  let result: unknown[];
  if (isNullish(dest)) {
    result = patch as unknown[];
  } else {
    if (patch === null) return CLEAR;
    const d = Array.isArray(patch) ? listDirective(patch) : 'merge';
    if (d === 'delete') return CLEAR;
    result = d === 'replace' ? (patch as unknown[]) : (dest as unknown[]);
  }
  const sources: [unknown[], unknown[] | undefined] = [result, Array.isArray(patch) ? patch : undefined];
  const keys = schema.mergeKeys!;
  if (keys.length > 0) {
    const values = uniqueTuples(
      [sources[1], sources[0]].flatMap((s) => (s ?? []).map((e) => keys.map((k) => fieldText(e, k)))),
    );
    return mergeElements(values, keys, result, sources, schema);
  }
  const scalars = uniqueTuples([sources[1], sources[0]].flatMap((s) => (s ?? []).map((e) => [scalarText(e)])));
  return mergeElements(scalars, [''], result, sources, schema);
}

/** kyaml's setAssociativeSequenceElements + appendListNode, prepend direction. */
function mergeElements(
  valuesList: string[][],
  keys: string[],
  dest: unknown[],
  sources: [unknown[], unknown[] | undefined],
  schema: FieldSchema,
): Walked {
  const items: unknown[] = [];
  if (keys.length > 1) unifyTuples(valuesList);
  let validKeys = keys;
  let validValues: string[] = [];
  for (const values of valuesList) {
    if (values.length === 0) continue;
    [validKeys, validValues] = validateKeys(valuesList, values, keys);
    const [k2, v2] = validateKeys([validValues], validValues, validKeys);
    const elementSchema: FieldSchema = { definition: schema.definition };
    let val = walk(
      findElement(sources[0], k2, v2),
      sources[1] ? findElement(sources[1], k2, v2) : undefined,
      elementSchema,
      false,
    );
    if (val === KEEP_NULL) val = null;
    let removed = false;
    validKeys.forEach((key, i) => {
      if (val === CLEAR || isNullish(val) || (isPlainObject(val) && Object.keys(val).length === 0)) {
        setElement(dest, undefined, validKeys, validValues);
        removed = true;
      } else if (key === '') {
        if (validValues[i] !== '') val = resolvePlainScalar(validValues[i]);
      } else if (isPlainObject(val) && !(key in val) && validValues[i] !== '') {
        val[key] = resolvePlainScalar(validValues[i]);
      }
    });
    if (!removed) setElement(items, val, validKeys, validValues);
  }
  if (valuesList.length === 0) return dest;
  for (const elem of [...dest]) {
    if (validKeys[0] === '') {
      setElement(items, elem, [''], [scalarText(elem)]);
      continue;
    }
    const v: string[] = [];
    for (const key of validKeys) {
      if (!isPlainObject(elem) || !(key in elem)) items.push(elem);
      else v.push(scalarText(elem[key]));
    }
    if (validKeys.length > 1) setElement(items, undefined, validKeys, v);
    setElement(items, elem, validKeys, v);
  }
  return items;
}

/** kyaml's ElementSetter: replaces (or, without element, removes) the elements matching keys=values, else appends. */
function setElement(list: unknown[], element: unknown, keys: string[], values: string[]): void {
  const mappingSetter = keys[0] !== '' && values.length > 0 && values[0] !== '';
  const kept: unknown[] = [];
  let matched = false;
  for (const elem of list) {
    if (isNullish(elem) || (isPlainObject(elem) && Object.keys(elem).length === 0)) continue;
    if (!isPlainObject(elem) && mappingSetter) {
      kept.push(elem);
      continue;
    }
    let found = keys.length > 0 && values.length > 0;
    for (let j = 0; j < keys.length && j < values.length; j++) {
      if (!fieldMatches(elem, keys[j], values[j])) {
        found = false;
        break;
      }
    }
    if (!found) {
      if (values.length > 0) kept.push(elem);
      continue;
    }
    matched = true;
    if (element !== undefined) kept.push(element);
  }
  list.splice(0, list.length, ...kept);
  if (element === undefined || element === null) return;
  if (!matched) list.push(element);
}

/** FieldMatcher with a string value: an empty value matches any present field; key '' compares a scalar itself. */
function fieldMatches(elem: unknown, key: string, value: string): boolean {
  if (key === '') {
    if (isPlainObject(elem) || Array.isArray(elem))
      throw new KustomizeError('strategic merge patch: wrong node kind in a list of scalars');
    return scalarText(elem) === value;
  }
  if (!isPlainObject(elem))
    throw new KustomizeError('strategic merge patch: wrong node kind: expected a mapping in a merged list');
  if (!(key in elem)) return false;
  return value === '' || scalarText(elem[key]) === value;
}

/** The first element whose keys have exactly these values (MatchElementList). */
function findElement(list: unknown[] | undefined, keys: string[], values: string[]): unknown {
  if (!Array.isArray(list)) return undefined;
  if (keys.length === 0 || keys[0] === '') return list.find((e) => scalarText(e) === (values[0] ?? ''));
  return list.find((e) => isPlainObject(e) && keys.every((k, i) => k in e && scalarText(e[k]) === values[i]));
}

/** Keys that have a value in some tuple, with this tuple's values for them; all keys when none has any. */
function validateKeys(valuesList: string[][], values: string[], keys: string[]): [string[], string[]] {
  const valid = new Set<string>();
  for (const tuple of valuesList) tuple.forEach((v, i) => v !== '' && valid.add(keys[i]));
  if (valid.size === 0) return [keys, values];
  return [keys.filter((k) => valid.has(k)), values.filter((v, i) => v !== '' || valid.has(keys[i]))];
}

/** Tuples that agree wherever both have a value (and share one) become the same, filled-in tuple. */
function unifyTuples(valuesList: string[][]): void {
  for (let i = 0; i < valuesList.length; i++) {
    for (let j = 0; j < valuesList.length; j++) {
      const merged = unify(valuesList[i], valuesList[j]);
      if (merged) valuesList[i] = valuesList[j] = merged;
    }
  }
}

function unify(a: string[], b: string[]): string[] | undefined {
  if (a.length !== b.length) return undefined;
  let common = false;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) {
      common = true;
      out.push(a[i]);
    } else if (a[i] !== '' && b[i] !== '') {
      return undefined;
    } else {
      out.push(a[i] !== '' ? a[i] : b[i]);
    }
  }
  return common ? out : undefined;
}

function uniqueTuples(tuples: string[][]): string[][] {
  const seen = new Set<string>();
  return tuples.filter((t) => t.length > 0 && !seen.has(JSON.stringify(t)) && !!seen.add(JSON.stringify(t)));
}

function directive(patch: Obj): 'delete' | 'replace' | 'merge' {
  if (!('$patch' in patch)) return 'merge';
  const v = patch.$patch;
  if (v !== 'delete' && v !== 'replace' && v !== 'merge')
    throw new KustomizeError(`unknown patch strategy '${String(v)}'`);
  delete patch.$patch;
  return v;
}

function listDirective(patch: unknown[]): 'delete' | 'replace' | 'merge' {
  const el = patch.find((e) => isPlainObject(e) && '$patch' in e) as Obj | undefined;
  if (!el || Object.keys(el).length > 1) return 'merge';
  const v = el.$patch;
  if (v !== 'delete' && v !== 'replace' && v !== 'merge')
    throw new KustomizeError(`unknown patch strategy '${String(v)}'`);
  setElement(patch, undefined, ['$patch'], [v]);
  return v;
}

/** ElementValuesList: a field's scalar text, '' when missing, null or empty. */
function fieldText(elem: unknown, key: string): string {
  if (!isPlainObject(elem) || !(key in elem)) return '';
  return scalarText(elem[key]);
}

function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function isNullish(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function kindOf(v: unknown): 'map' | 'list' | 'scalar' {
  return Array.isArray(v) ? 'list' : isPlainObject(v) ? 'map' : 'scalar';
}
