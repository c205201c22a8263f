/** Jinja2's `loop` variable inside `{% for %}`. */

import { bind } from '../python/args.js';
import { typeError } from '../python/errors.js';
import { pyEq } from '../python/ops.js';
import { BuiltinFunction, PyCallable, Undefined, type CallArgs, type PyValue } from '../python/values.js';

/** The items a loop runs over: a list, or a lazy sequence such as a `range`. */
export interface LoopItems {
  readonly length: number;
  get(index: number): PyValue;
}

export const listItems = (items: readonly PyValue[]): LoopItems => ({ length: items.length, get: (i) => items[i] });

export class LoopContext extends PyCallable {
  readonly typeName = 'LoopContext';
  override readonly module = 'jinja2.runtime';
  index0 = -1;
  private lastChanged: PyValue[] | undefined;

  constructor(
    private readonly items: LoopItems,
    private readonly depth0: number,
    private readonly strict: boolean,
    /** Renders the loop body for another iterable (`loop(children)` in a `recursive` loop). */
    private readonly recurse?: (items: PyValue) => string,
  ) {
    super();
  }

  call(call: CallArgs): PyValue {
    if (!this.recurse) throw typeError("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
    const [items] = bind('loop', call, ['iterable'], 1);
    return this.recurse(items!);
  }

  override getAttr(name: string): PyValue | undefined {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index':
        return BigInt(i + 1);
      case 'index0':
        return BigInt(i);
      case 'revindex':
        return BigInt(n - i);
      case 'revindex0':
        return BigInt(n - i - 1);
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return BigInt(n);
      case 'depth':
        return BigInt(this.depth0 + 1);
      case 'depth0':
        return BigInt(this.depth0);
      case 'previtem':
        return i > 0 ? this.items.get(i - 1) : new Undefined('there is no previous item', this.strict);
      case 'nextitem':
        return i < n - 1 ? this.items.get(i + 1) : new Undefined('there is no next item', this.strict);
      case 'cycle':
        return new BuiltinFunction('cycle', ({ args }) => {
          if (args.length === 0) throw typeError('no items for cycling given');
          return args[i % args.length];
        });
      case 'changed':
        return new BuiltinFunction('changed', ({ args }) => {
          const changed =
            !this.lastChanged ||
            this.lastChanged.length !== args.length ||
            args.some((a, k) => !pyEq(a, this.lastChanged![k]));
          this.lastChanged = args;
          return changed;
        });
    }
    return undefined;
  }

  override repr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
}
