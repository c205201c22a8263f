/** Jinja2's default globals: range, dict, namespace, cycler, joiner, lipsum. */

import { bind } from '../python/args.js';
import { typeError, valueError } from '../python/errors.js';
import { updateFrom } from '../python/methods.js';
import { pyStr, typeName } from '../python/repr.js';
import { BuiltinFunction, PyCallable, PyObject, intOf, isInt, type CallArgs, type PyValue } from '../python/values.js';
import { PyRange } from '../python/range.js';
import { Namespace } from '../runtime/objects.js';

function range({ args, kwargs }: CallArgs): PyValue {
  if (kwargs.size > 0) throw typeError('range() takes no keyword arguments');
  if (args.length === 0 || args.length > 3) throw typeError(`range expected at least 1 argument, got ${args.length}`);
  const ints = args.map((a) => {
    if (!isInt(a)) throw typeError(`'${typeName(a)}' object cannot be interpreted as an integer`);
    return intOf(a);
  });
  const [start, stop, step] = ints.length === 1 ? [0n, ints[0], 1n] : [ints[0], ints[1], ints[2] ?? 1n];
  if (step === 0n) throw valueError('range() arg 3 must not be zero');
  return new PyRange(start, stop, step);
}

class Cycler extends PyObject {
  readonly typeName = 'Cycler';
  override readonly module = 'jinja2.utils';
  private pos = 0;
  constructor(private readonly items: PyValue[]) {
    super();
  }
  override getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'current':
        return this.items[this.pos];
      case 'next':
        return new BuiltinFunction('next', () => {
          const v = this.items[this.pos];
          this.pos = (this.pos + 1) % this.items.length;
          return v;
        });
      case 'reset':
        return new BuiltinFunction('reset', () => ((this.pos = 0), null));
    }
    return undefined;
  }
}

class Joiner extends PyCallable {
  readonly typeName = 'Joiner';
  override readonly module = 'jinja2.utils';
  private used = false;
  constructor(private readonly sep: string) {
    super();
  }
  call(): PyValue {
    if (!this.used) {
      this.used = true;
      return '';
    }
    return this.sep;
  }
}

export function defaultGlobals(): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['range', new BuiltinFunction('range', range)],
    [
      'dict',
      new BuiltinFunction('dict', ({ args, kwargs }) => {
        if (args.length > 1) throw typeError(`dict expected at most 1 argument, got ${args.length}`);
        const d = new Map<PyValue, PyValue>();
        if (args.length === 1) updateFrom(d, args[0]);
        for (const [k, v] of kwargs) d.set(k, v);
        return d;
      }),
    ],
    [
      'namespace',
      new BuiltinFunction('namespace', ({ args, kwargs }) => {
        const d = new Map<PyValue, PyValue>();
        for (const a of args) updateFrom(d, a);
        for (const [k, v] of kwargs) d.set(k, v);
        return new Namespace(new Map([...d].map(([k, v]) => [pyStr(k), v])));
      }),
    ],
    [
      'cycler',
      new BuiltinFunction('cycler', ({ args }) => {
        if (args.length === 0) throw typeError('at least one item has to be provided');
        return new Cycler(args);
      }),
    ],
    ['joiner', new BuiltinFunction('joiner', (call) => new Joiner(pyStr(bind('joiner', call, ['sep'])[0] ?? ', ')))],
    // Jinja2's lipsum() is random text; a fixed sentence serves the same purpose (placeholder content).
    ['lipsum', new BuiltinFunction('lipsum', () => 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.')],
  ]);
}
