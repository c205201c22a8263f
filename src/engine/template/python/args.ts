/** Binding call arguments to a builtin's parameters, with Python's TypeError wording. */

import { typeError } from './errors.js';
import type { CallArgs, PyValue } from './values.js';

/**
 * Binds positional and keyword arguments to `params` in order; a missing argument is `undefined`.
 * The first `required` parameters must be given.
 */
export function bind(name: string, call: CallArgs, params: readonly string[], required = 0): (PyValue | undefined)[] {
  if (call.args.length > params.length) {
    throw typeError(
      `${name}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${call.args.length} given)`,
    );
  }
  const bound: (PyValue | undefined)[] = params.map((_, i) => call.args[i]);
  for (const [key, value] of call.kwargs) {
    const i = params.indexOf(key);
    if (i < 0) throw typeError(`${name}() got an unexpected keyword argument '${key}'`);
    if (bound[i] !== undefined) throw typeError(`${name}() got multiple values for argument '${key}'`);
    bound[i] = value;
  }
  const missing = params.slice(0, required).find((_, i) => bound[i] === undefined);
  if (missing !== undefined) throw typeError(`${name}() missing required argument '${missing}'`);
  return bound;
}
