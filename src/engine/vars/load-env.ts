/** `systemEnvVars`: a nested map whose leaves name environment variables, `NAME:default` with a default. */

import { parseYaml } from '../yaml/strict.js';
import { isMap as isObject } from '../../util/go-values.js';
import { setNested, type JsonObject } from '../../kluctl/uo/merge.js';

export function loadSystemEnvVars(spec: JsonObject, env: NodeJS.ProcessEnv, ignoreMissing: boolean): JsonObject {
  const out: JsonObject = {};
  const walk = (node: unknown, keys: string[]): void => {
    if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, [...keys, k]);
      return;
    }
    if (typeof node !== 'string') throw new Error(`value at ${keys.join('.')} is not a string`);
    const colon = node.indexOf(':');
    const name = colon < 0 ? node : node.slice(0, colon);
    let text: string;
    if (env[name] !== undefined) text = env[name]!;
    // An empty default means the empty string, not null.
    else if (colon >= 0) text = node.slice(colon + 1) || '""';
    else if (ignoreMissing) return;
    else throw new Error(`environment variable ${name} not found for ${keys.join('.')}`);
    setNested(out, keys, parseYaml(text) ?? null);
  };
  walk(spec, []);
  return out;
}
