/**
 * `metadata.managedFields[].fieldsV1` as sigs.k8s.io/structured-merge-diff/v4 reads it (fieldpath.Set, via Kluctl's
 * convertManagedFields), the path strings the API server puts into conflict causes (`.data.key`,
 * `.spec.ports[port=80,protocol="TCP"]`), and resolving such a path inside an object.
 */

import { goFormatFloat, goStringCompare, isMap, type JsonMap } from '../../util/go-values.js';
import { getChild } from '../../kluctl/uo/nested-fields.js';
import type { KeyPath } from '../../kluctl/uo/key-path.js';

export type PathElement = { field: string } | { key: [string, unknown][] } | { value: unknown } | { index: number };
export type FieldPath = PathElement[];

interface FieldSet {
  members: PathElement[]; // sorted, unique
  children: { pe: PathElement; set: FieldSet }[]; // sorted by pe
}

class UnknownPathElementType extends Error {}

function parsePathElement(s: string): PathElement {
  if (s.length < 2) throw new Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: body };
    case 'v':
      return { value: JSON.parse(body) as unknown };
    case 'k': {
      const obj = JSON.parse(body) as unknown;
      if (!isMap(obj)) throw new Error(`key is not an object: ${s}`);
      // FieldList.Sort: a stable sort by name.
      return { key: Object.entries(obj).sort(([a], [b]) => goStringCompare(a, b)) };
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing "${body}": invalid syntax`);
      return { index: Number(body) };
    }
    default:
      throw new UnknownPathElementType();
  }
}

/** Total order of values (value.Compare): floats and ints numerically, then strings, bools, lists, maps, null. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) =>
    typeof v === 'number'
      ? 0
      : typeof v === 'string'
        ? 1
        : typeof v === 'boolean'
          ? 2
          : Array.isArray(v)
            ? 3
            : isMap(v)
              ? 4
              : 5;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'string') return goStringCompare(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bl.length); i++) {
      const c = compareValues(a[i], bl[i]);
      if (c) return c;
    }
    return Math.sign(a.length - bl.length);
  }
  if (isMap(a)) return compareFieldLists(sortedEntries(a), sortedEntries(b as JsonMap));
  return 0;
}

const sortedEntries = (m: JsonMap): [string, unknown][] => Object.entries(m).sort(([x], [y]) => goStringCompare(x, y));

function compareFieldLists(a: [string, unknown][], b: [string, unknown][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = goStringCompare(a[i][0], b[i][0]) || compareValues(a[i][1], b[i][1]);
    if (c) return c;
  }
  return Math.sign(a.length - b.length);
}

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = (e: PathElement) => ('field' in e ? 0 : 'key' in e ? 1 : 'value' in e ? 2 : 3);
  if (rank(a) !== rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if ('field' in a) return goStringCompare(a.field, (b as { field: string }).field);
  if ('key' in a) return compareFieldLists(a.key, (b as { key: [string, unknown][] }).key);
  if ('value' in a) return compareValues(a.value, (b as { value: unknown }).value);
  return Math.sign(a.index - (b as { index: number }).index);
}

function insertSorted<T>(list: T[], item: T, pe: (t: T) => PathElement): T {
  let i = 0;
  while (i < list.length && comparePathElements(pe(list[i]), pe(item)) < 0) i++;
  if (i < list.length && comparePathElements(pe(list[i]), pe(item)) === 0) return list[i];
  list.splice(i, 0, item);
  return item;
}

/** Kluctl's convertManagedFields: a fieldsV1 map as a set of field paths (leaves and `.` entries are members). */
export function parseFieldsV1(m: JsonMap): FieldSet | undefined {
  return convert(m).children;
}

function convert(m: JsonMap): { children?: FieldSet; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, v] of Object.entries(m)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement;
    try {
      pe = parsePathElement(key);
    } catch (e) {
      if (e instanceof UnknownPathElementType) continue; // dropped, as structured-merge-diff does
      throw new Error(`parsing key as path element: ${(e as Error).message}`, { cause: e });
    }
    if (!isMap(v)) throw new Error('value is not a map');
    const child = convert(v);
    if (child.isMember) {
      children ??= { members: [], children: [] };
      insertSorted(children.members, pe, (x) => x);
    }
    if (child.children) {
      children ??= { members: [], children: [] };
      insertSorted(children.children, { pe, set: child.children }, (x) => x.pe).set = child.children;
    }
  }
  if (!children) isMember = true;
  return { children, isMember };
}

/** Set.Iterate: members before children, both in path element order. */
export function iterateFieldSet(
  set: FieldSet | undefined,
  cb: (path: FieldPath) => void,
  prefix: FieldPath = [],
): void {
  if (!set) return;
  for (const pe of set.members) cb([...prefix, pe]);
  for (const c of set.children) iterateFieldSet(c.set, cb, [...prefix, c.pe]);
}

/** Go's %q for a string (strconv.Quote). */
function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
  };
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (named[c]) out += named[c];
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(c)) out += c;
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** value.ToString */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFormatFloat(v);
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isMap(v))
    return sortedEntries(v)
      .map(([k, x]) => `${k}=${valueString(x)}`)
      .join('');
  return '{{undefined}}';
}

/** fieldpath.Path.String(), the form of a conflict cause's `field`. */
export function fieldPathString(path: FieldPath): string {
  return path
    .map((pe) => {
      if ('field' in pe) return `.${pe.field}`;
      if ('key' in pe) return `[${pe.key.map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]`;
      if ('value' in pe) return `[=${valueString(pe.value)}]`;
      return `[${pe.index}]`;
    })
    .join('');
}

export function fieldPathsEqual(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && a.every((pe, i) => comparePathElements(pe, b[i]) === 0);
}

function listItemMatches(item: unknown, pe: PathElement, index: number): boolean {
  if ('key' in pe) {
    if (!isMap(item)) throw new Error('object is not a map');
    return pe.key.every(([k, v]) => Object.hasOwn(item, k) && compareValues(item[k], v) === 0);
  }
  if ('value' in pe) return compareValues(item, pe.value) === 0;
  if ('index' in pe) return pe.index === index;
  throw new Error('unexpected path element');
}

/** Kluctl's convertToKeyList: the key path of a field path inside `obj`, as far as it exists. */
export function resolveFieldPath(obj: unknown, path: FieldPath): { keys: KeyPath; found: boolean } {
  const keys: KeyPath = [];
  let o = obj;
  for (const pe of path) {
    if ('field' in pe) {
      keys.push(pe.field);
      if (Array.isArray(o)) throw new Error('key is not an int');
      if (!isMap(o)) throw new Error('unknown parent type');
      const c = getChild(o, pe.field);
      if (!c.found) return { keys, found: false };
      o = c.value;
      continue;
    }
    if (!Array.isArray(o)) throw new Error('object is not a list');
    const i = o.findIndex((x, j) => listItemMatches(x, pe, j));
    if (i < 0) return { keys, found: false };
    keys.push(i);
    o = o[i];
  }
  return { keys, found: true };
}
