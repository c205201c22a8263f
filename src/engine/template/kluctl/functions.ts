/** The filters and globals Kluctl adds to Jinja2 (spec §3.3). */

import { createHash } from 'node:crypto';
import { PySlice, getItem } from '../python/access.js';
import { iterate, mapGet, mapSet, toList } from '../python/containers.js';
import { bind } from '../python/args.js';
import { PyError } from '../python/errors.js';
import { jsonDumps } from '../python/json.js';
import { truthy } from '../python/ops.js';
import { pyStr, typeName } from '../python/repr.js';
import { wrap } from '../python/textwrap.js';
import {
  BuiltinFunction,
  PyTuple,
  intOf,
  isStr,
  strText,
  type CallArgs,
  type PyDict,
  type PyValue,
} from '../python/values.js';
import type { Filter } from '../runtime/environment.js';
import { ContextFunction, type CallContext } from '../runtime/objects.js';
import { findPath } from './jsonpath.js';
import { slugify } from './slugify.js';
import { timeGlobal } from './time.js';
import { toYaml } from '../../yaml/pyyaml-dump.js';
import { fromYaml } from '../../yaml/pyyaml-load.js';

/** The placeholder `images.get_image` returns; the deployment engine replaces it after rendering (§5.4). */
export const IMAGE_PLACEHOLDER = { begin: 'XXXXXbegin_get_image_', end: '_end_get_imageXXXXX' };

function text(v: PyValue, what: string): string {
  if (!isStr(v)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute '${what}'`);
  return strText(v);
}

function b64decode(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9+/=]/g, '');
  const data = clean.replace(/=+$/, '');
  if (data.length % 4 === 1 || clean.length % 4 !== 0) throw new PyError('Error', 'Incorrect padding');
  const bytes = Buffer.from(data, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PyError('UnicodeDecodeError', "'utf-8' codec can't decode bytes");
  }
}

function sha256(value: PyValue, digestLen: PyValue | undefined): string {
  const hash = createHash('sha256').update(text(value, 'encode'), 'utf8').digest('hex');
  return digestLen === undefined || digestLen === null
    ? hash
    : pyStr(getItem(hash, new PySlice(null, digestLen, null), true));
}

/** Kluctl's deep copy: nested dicts and lists (and tuples, as lists) are copied. */
function copyValue(v: PyValue): PyValue {
  if (v instanceof Map) return copyDict(v);
  if (Array.isArray(v) || v instanceof PyTuple) return toList(v).map(copyValue);
  return v;
}

function copyDict(d: PyValue): PyDict {
  if (!(d instanceof Map)) throw new PyError('AttributeError', `'${typeName(d)}' object has no attribute 'items'`);
  return new Map([...d].map(([k, v]) => [k, copyValue(v)]));
}

/** Merges b into a in place: nested dicts merge, everything else is replaced. */
function mergeInto(a: PyDict, b: PyValue): PyDict {
  if (b === null) return a;
  for (const key of iterate(b)) {
    const value = getItem(b, key, true);
    const existing = mapGet(a, key);
    if (existing instanceof Map && value instanceof Map) mergeInto(existing, value);
    else mapSet(a, key, value);
  }
  return a;
}

function renderWith(ctx: CallContext, source: PyValue): string {
  return ctx.renderString(pyStr(source), ctx.allVars());
}

function loadTemplate(ctx: CallContext, call: CallArgs, extra: Map<string, PyValue> = new Map()): string {
  const [path] = bind('load_template', { args: call.args, kwargs: new Map() }, ['path'], 1);
  const vars = mergeInto(copyDict(ctx.allVars()), new Map([...call.kwargs, ...extra])) as Map<string, PyValue>;
  return ctx.renderTemplate(pyStr(path!), vars);
}

function fn(name: string, impl: (call: CallArgs) => PyValue): BuiltinFunction {
  return new BuiltinFunction(name, impl);
}

export const KLUCTL_FILTERS: Record<string, Filter> = {
  b64encode: (_c, v, call) => (bind('b64encode', call, []), Buffer.from(text(v, 'encode'), 'utf8').toString('base64')),
  b64decode: (_c, v, call) => (bind('b64decode', call, []), b64decode(text(v, 'encode'))),
  to_yaml: (_c, v, call) => (bind('to_yaml', call, []), toYaml(v)),
  to_json: (_c, v, call) => (bind('to_json', call, []), jsonDumps(v)),
  from_yaml: (_c, v, call) => (bind('from_yaml', call, []), fromYaml(text(v, 'read'))),
  render: (ctx, v, call) => (bind('render', call, []), renderWith(ctx, v)),
  sha256: (_c, v, call) => sha256(v, bind('sha256', call, ['digest_len'])[0]),
  slugify: (_c, v, call) => slugify(v, call),
};

export interface KluctlGlobalOptions {
  /** Where `debug_print` writes (Kluctl: stderr, as `debug_print: <msg>`). */
  debugPrint: (line: string) => void;
}

export function kluctlGlobals(opts: KluctlGlobalOptions): Map<string, PyValue> {
  const getImage = fn('get_image', (call) => {
    const [image] = bind('get_image_wrapper', call, ['image'], 1);
    const json = jsonDumps(new Map([['image', image!]]));
    return IMAGE_PLACEHOLDER.begin + Buffer.from(json, 'utf8').toString('base64') + IMAGE_PLACEHOLDER.end;
  });
  const version = new Map<PyValue, PyValue>([
    [
      'semver',
      fn('semver', (call) => `semver(allow_no_nums=${pyStr(bind('semver', call, ['allow_no_nums'])[0] ?? false)})`),
    ],
    [
      'prefix',
      fn('prefix', (call) => {
        const [s, suffix] = bind('prefix', call, ['s', 'suffix'], 1);
        return suffix === undefined || suffix === null
          ? `prefix("${pyStr(s!)}")`
          : `prefix("${pyStr(s!)}", suffix="${pyStr(suffix)}")`;
      }),
    ],
    ['number', fn('number', (call) => (bind('number', call, []), 'number()'))],
    ['regex', fn('regex', (call) => `regex("${pyStr(bind('regex', call, ['r'], 1)[0]!)}")`)],
  ]);
  return new Map<string, PyValue>([
    ['load_template', new ContextFunction('load_template', (ctx, call) => loadTemplate(ctx, call))],
    [
      'load_sha256',
      new ContextFunction('load_sha256', (ctx, call) => {
        const [path, digestLen] = bind('load_sha256', call, ['path', 'digest_len'], 1);
        if (ctx.allVars().has('__calc_sha256__')) return '__self_sha256__';
        const rendered = loadTemplate(ctx, { args: [path!], kwargs: new Map() }, new Map([['__calc_sha256__', true]]));
        return sha256(rendered, digestLen);
      }),
    ],
    [
      'load_base64',
      new ContextFunction('load_base64', (ctx, call) => {
        const [path, width] = bind('load_base64', call, ['path', 'width'], 1);
        const encoded = ctx.readFile(pyStr(path!)).toString('base64');
        if (width === undefined || !truthy(width)) return encoded;
        return wrap(encoded, {
          width: Number(intOf(width as bigint)),
          breakLongWords: true,
          breakOnHyphens: true,
        }).join('\n');
      }),
    ],
    [
      'get_var',
      new ContextFunction('get_var', (ctx, call) => {
        const [path, dflt] = bind('get_var', call, ['path', 'default'], 1);
        const paths = Array.isArray(path) ? path : [path!];
        const all = ctx.allVars() as PyDict;
        for (const p of paths) {
          const matches = findPath(all, p);
          if (matches.length > 1) throw new PyError('Exception', 'Only simple jsonpath supported in get_dict_value');
          if (matches.length === 1) return matches[0];
        }
        return dflt === undefined ? null : dflt;
      }),
    ],
    [
      'merge_dict',
      fn('merge_dict', (call) => {
        const [a, b] = bind('merge_dict', call, ['a', 'b'], 2);
        return mergeInto(copyDict(a!), b!);
      }),
    ],
    [
      'update_dict',
      fn('update_dict', (call) => {
        const [a, b] = bind('update_dict', call, ['a', 'b'], 2);
        if (a instanceof Map) mergeInto(a, b!);
        else if (a !== null) throw new PyError('TypeError', `argument of type '${typeName(a!)}' is not iterable`);
        return '';
      }),
    ],
    [
      'raise',
      fn('raise_helper', (call) => {
        throw new PyError('TemplateError', pyStr(bind('raise_helper', call, ['msg'], 1)[0]!));
      }),
    ],
    [
      'debug_print',
      fn('debug_print', (call) => {
        opts.debugPrint(`debug_print: ${pyStr(bind('debug_print', call, ['msg'], 1)[0]!)}`);
        return '';
      }),
    ],
    ['render', new ContextFunction('render', (ctx, call) => renderWith(ctx, bind('render', call, ['string'], 1)[0]!))],
    ['images', new Map<PyValue, PyValue>([['get_image', getImage]])],
    ['version', version],
    ['time', timeGlobal()],
  ]);
}
