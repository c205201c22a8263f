/** A path of map keys and list indexes, and its JSONPath spelling as Kluctl's `uo.KeyPath.ToJsonPath` writes it. */

export type KeyPath = (string | number)[];

// Note the `+`: single-character keys are always bracketed.
const SIMPLE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]+$/;

export function toJsonPath(path: readonly (string | number)[]): string {
  let p = '';
  for (const k of path) {
    if (typeof k === 'number') {
      p += `[${k}]`;
    } else if (SIMPLE_IDENTIFIER.test(k)) {
      p += p === '' ? k : `.${k}`;
    } else {
      if (p === '') p = '$';
      p += k.includes('"') ? `['${k}']` : `["${k}"]`;
    }
  }
  return p;
}
