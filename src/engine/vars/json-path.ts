/**
 * JSONPath for vars sources (http `jsonPath`, `targetPath`): the ojg syntax of the uo toolkit, parsed once
 * (kluctl/uo/jsonpath.ts), so filters, slices and unions work here as they do in kluctl.
 */

import { setNested, type JsonObject } from '../../kluctl/uo/merge.js';
import { JsonPathError, parseJsonPath, type Frag } from '../../kluctl/uo/jsonpath-parse.js';
import { listMatchingFields } from '../../kluctl/uo/jsonpath.js';
import { getNested } from '../../kluctl/uo/nested-fields.js';

function parse(text: string, what: string): Frag[] {
  try {
    const frags = parseJsonPath(text);
    return frags[0]?.kind === 'root' ? frags.slice(1) : frags;
  } catch (error) {
    if (error instanceof JsonPathError) throw new Error(`invalid ${what} ${text}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Every value the path matches, in document order. */
export function getJsonPath(root: unknown, text: string): unknown[] {
  const frags = parse(text, 'JSONPath');
  if (frags.length === 0) return [root];
  return listMatchingFields(frags, root).flatMap((keys) => {
    const found = getNested(root, keys);
    return found.found ? [found.value] : [];
  });
}

/** A fresh object holding `value` at `text` (ojg SetOne on an empty object); only plain keys are allowed. */
export function objectAtPath(text: string, value: unknown): JsonObject {
  const frags = parse(text, 'targetPath');
  if (frags.length === 0) throw new Error(`invalid targetPath ${text}`);
  const keys = frags.map((frag) => {
    if (frag.kind !== 'child') throw new Error(`unsupported element in targetPath ${text}: only keys can be set`);
    return frag.key;
  });
  const out: JsonObject = {};
  // setNested keeps `__proto__` an ordinary key (merge.ts setOwn).
  setNested(out, keys, value);
  return out;
}
