/** External args (spec §1.4): `-a name=value`, `--args-from-file`, `KLUCTL_ARG[_n]`, defaults and required args. */

import { deepMerge, setNested, type JsonObject } from '../../kluctl/uo/merge.js';
import { isMap as isObject } from '../../util/go-values.js';
import { getNested } from '../../kluctl/uo/nested-fields.js';
import { ProjectError } from '../errors.js';
import type { DeploymentArg } from './types.js';
import { parseYaml, readUtf8File } from '../yaml/strict.js';

const ARG_PATTERN = /^[a-zA-Z0-9_./-]*=[\s\S]*$/;

/** `KLUCTL_ARG` and `KLUCTL_ARG_<n>` (by n), which the command line then overrides. */
export function argsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const numbered = Object.keys(env)
    .filter((k) => /^KLUCTL_ARG_\d+$/.test(k))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
  return [...(env.KLUCTL_ARG !== undefined ? ['KLUCTL_ARG'] : []), ...numbered].map((k) => env[k]!);
}

/** Parses `name=value` args into a nested object; values are YAML, `@file` loads a file, `\@x` is literal. */
export function parseArgs(list: readonly string[], options: { cwd?: string } = {}): JsonObject {
  const byName = new Map<string, string>();
  for (const arg of list) {
    if (!ARG_PATTERN.test(arg))
      throw new Error(`invalid --arg argument. Must be --arg=some_var_name=value, not '${arg}'`);
    const eq = arg.indexOf('=');
    byName.delete(arg.slice(0, eq)); // last one wins, in its position
    byName.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  const out: JsonObject = {};
  for (const [name, raw] of byName) {
    let text = raw;
    let source = `--arg ${name}`;
    if (raw.startsWith('@')) {
      const file = options.cwd ? new URL(raw.slice(1), `file://${options.cwd}/`).pathname : raw.slice(1);
      text = readUtf8File(file);
      source = file;
    } else if (raw.startsWith('\\@')) {
      text = raw.slice(1);
    }
    setNested(out, name.split('.'), parseYaml(text, source) ?? null);
  }
  return out;
}

export function argsFromFiles(files: readonly string[]): JsonObject {
  let out: JsonObject = {};
  for (const file of files) {
    const value = parseYaml(readUtf8File(file), file);
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new ProjectError(file, undefined, 'args file must contain a YAML map');
    out = deepMerge(out, value);
  }
  return out;
}

/** Kluctl's LoadDefaultArgs: defaults under the given args, then every declared arg without a default must be set. */
export function applyDefaultArgs(declared: readonly DeploymentArg[] | undefined, args: JsonObject): JsonObject {
  let defaults: JsonObject = {};
  for (const a of declared ?? []) {
    if (a.default !== undefined) defaults = deepMerge(defaults, { [a.name]: a.default });
  }
  const merged = deepMerge(defaults, args);
  for (const a of declared ?? []) {
    if (!getNested(merged, a.name.split('.')).found && a.default === undefined)
      throw new Error(`required argument ${a.name} not set`);
  }
  return merged;
}
