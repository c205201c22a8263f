/** Jinja2 3.1's tests (`x is defined`, `x is divisibleby 3`, …). */

import { contains, pyLen, iterate } from '../python/containers.js';
import { bind } from '../python/args.js';
import { arith, pyCompare, pyEq } from '../python/ops.js';
import { pyStr } from '../python/repr.js';
import {
  Markup,
  PyCallable,
  PyObject,
  PyTuple,
  Undefined,
  isInt,
  isStr,
  type CallArgs,
  type PyValue,
} from '../python/values.js';
import type { Test } from '../runtime/environment.js';

const arg = (name: string, call: CallArgs): PyValue => bind(name, call, ['other'], 1)[0]!;

function compareTest(op: '<' | '<=' | '>' | '>='): Test {
  return (_c, v, call) => pyCompare(v, arg(op, call), op);
}

/**
 * Python's `is`: identity for objects and singletons, plus CPython's small-int cache. Strings and floats are
 * never identical here (Jinja2 builds a new object for each literal).
 */
function sameAs(a: PyValue, b: PyValue): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b && a >= -5n && a <= 256n;
  if (typeof a === 'object' || typeof a === 'boolean') return a === b;
  return false;
}

function isSequence(v: PyValue): boolean {
  try {
    pyLen(v);
  } catch {
    return false;
  }
  return (
    isStr(v) ||
    Array.isArray(v) ||
    v instanceof Map ||
    v instanceof PyTuple ||
    (v instanceof PyObject && v.getItem(0n) !== undefined)
  );
}

function isIterable(v: PyValue): boolean {
  try {
    iterate(v);
    return true;
  } catch (e) {
    if (e instanceof Error && e.name === 'TypeError') return false;
    throw e;
  }
}

const eq: Test = (_c, v, call) => pyEq(v, arg('eq', call));
const ne: Test = (_c, v, call) => !pyEq(v, arg('ne', call));
const lt = compareTest('<');
const le = compareTest('<=');
const gt = compareTest('>');
const ge = compareTest('>=');

export const TESTS: Record<string, Test> = {
  odd: (_c, v) => pyEq(arith('%', v, 2n), 1n),
  even: (_c, v) => pyEq(arith('%', v, 2n), 0n),
  divisibleby: (_c, v, call) => pyEq(arith('%', v, bind('divisibleby', call, ['num'], 1)[0]!), 0n),
  defined: (_c, v) => !(v instanceof Undefined),
  undefined: (_c, v) => v instanceof Undefined,
  filter: (ctx, v) => isStr(v) && ctx.env.filters.has(pyStr(v)),
  test: (ctx, v) => isStr(v) && ctx.env.tests.has(pyStr(v)),
  none: (_c, v) => v === null,
  boolean: (_c, v) => typeof v === 'boolean',
  false: (_c, v) => v === false,
  true: (_c, v) => v === true,
  integer: (_c, v) => typeof v === 'bigint',
  float: (_c, v) => typeof v === 'number',
  number: (_c, v) => isInt(v) || typeof v === 'number',
  string: (_c, v) => isStr(v),
  mapping: (_c, v) => v instanceof Map,
  sequence: (_c, v) => isSequence(v),
  iterable: (_c, v) => isIterable(v),
  callable: (_c, v) => v instanceof PyCallable,
  sameas: (_c, v, call) => sameAs(v, arg('sameas', call)),
  escaped: (_c, v) => v instanceof Markup,
  in: (_c, v, call) => contains(bind('in', call, ['seq'], 1)[0]!, v),
  lower: (_c, v) => {
    const s = pyStr(v);
    return s.toLowerCase() === s && s.toUpperCase() !== s;
  },
  upper: (_c, v) => {
    const s = pyStr(v);
    return s.toUpperCase() === s && s.toLowerCase() !== s;
  },
  '==': eq,
  eq,
  equalto: eq,
  '!=': ne,
  ne,
  '<': lt,
  lt,
  lessthan: lt,
  '<=': le,
  le,
  '>': gt,
  gt,
  greaterthan: gt,
  '>=': ge,
  ge,
};
