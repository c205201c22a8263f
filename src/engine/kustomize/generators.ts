/** `configMapGenerator` / `secretGenerator`: objects from env files, literals and files, as kustomize makes them. */

import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import type { FileLoader } from './file-loader.js';
import { lazyLine, type GeneratorArgs, type GeneratorOptions, type Kustomization } from './kustomization.js';
import { Resource, type Behavior, type Obj, type Source } from './resource.js';

export function generate(k: Kustomization, files: FileLoader): Resource[] {
  const out: Resource[] = [];
  k.configMapGenerator.forEach((args, i) =>
    out.push(generateOne(k, files, args, 'ConfigMap', ['configMapGenerator', i])),
  );
  k.secretGenerator.forEach((args, i) => out.push(generateOne(k, files, args, 'Secret', ['secretGenerator', i])));
  return out;
}

function generateOne(
  k: Kustomization,
  files: FileLoader,
  args: GeneratorArgs,
  kind: 'ConfigMap' | 'Secret',
  at: (string | number)[],
): Resource {
  const source = lazyLine(k, at);
  const fail = (message: string): never => {
    throw new KustomizeError(message, source.file, source.line);
  };
  if (!args.name) fail(`a ${kind === 'ConfigMap' ? 'configmap' : 'secret'} must have a name`);
  const options = mergeOptions(args.options, k.generatorOptions);
  const metadata: Obj = { name: args.name };
  if (args.namespace) metadata.namespace = args.namespace;
  const obj: Obj = { apiVersion: 'v1', kind, metadata };
  if (kind === 'Secret') obj.type = args.type || 'Opaque';
  const data = loadPairs(k, files, args, source, fail);
  const keys = [...data.keys()].sort();
  if (kind === 'ConfigMap') {
    for (const key of keys) {
      const value = data.get(key)!;
      const text = decodeUtf8(value);
      const field = text === undefined ? 'binaryData' : 'data';
      ((obj[field] ??= {}) as Obj)[key] = text ?? encodeBase64(value);
    }
  } else {
    obj.data = Object.fromEntries(keys.map((key) => [key, encodeBase64(data.get(key)!)]));
  }
  if (options?.labels && Object.keys(options.labels).length) metadata.labels = { ...options.labels };
  if (options?.annotations && Object.keys(options.annotations).length)
    metadata.annotations = { ...options.annotations };
  if (options?.immutable) obj.immutable = true;
  const res = new Resource(obj, source);
  res.needsHash = !options?.disableNameSuffixHash;
  res.behavior = (
    ['create', 'merge', 'replace'].includes(args.behavior ?? '') ? args.behavior : 'unspecified'
  ) as Behavior;
  return res;
}

/** Generator options over the kustomization's generatorOptions: own map entries win, flags are or-ed. */
function mergeOptions(
  local: GeneratorOptions | undefined,
  global: GeneratorOptions | undefined,
): GeneratorOptions | undefined {
  if (!global) return local;
  const result: GeneratorOptions = { ...(local ?? {}) };
  result.labels = local?.labels
    ? { ...(global.labels ?? {}), ...local.labels }
    : global.labels
      ? { ...global.labels }
      : undefined;
  result.annotations = local?.annotations
    ? { ...(global.annotations ?? {}), ...local.annotations }
    : global.annotations
      ? { ...global.annotations }
      : undefined;
  result.disableNameSuffixHash = !!(local?.disableNameSuffixHash || global.disableNameSuffixHash);
  result.immutable = !!(local?.immutable || global.immutable);
  return result;
}

/** Keys and raw values: env files first, then literals, then files; a key may appear once. */
function loadPairs(
  k: Kustomization,
  files: FileLoader,
  args: GeneratorArgs,
  source: Source,
  fail: (m: string) => never,
): Map<string, Buffer> {
  const pairs: [string, Buffer][] = [];
  for (const env of args.envs ?? []) pairs.push(...envFilePairs(files.read(files.resolve(k.dir, env, source)), fail));
  for (const literal of args.literals ?? []) {
    const eq = literal.indexOf('=');
    if (eq <= 0) fail(`invalid literal source ${literal}, expected key=value`);
    pairs.push([literal.slice(0, eq), Buffer.from(removeQuotes(literal.slice(eq + 1)), 'utf8')]);
  }
  for (const fileSource of args.files ?? []) {
    const [key, file] = parseFileSource(fileSource, fail);
    pairs.push([key, files.read(files.resolve(k.dir, file, source))]);
  }
  const data = new Map<string, Buffer>();
  for (const [key, value] of pairs) {
    if (data.has(key)) fail(`configmap ${args.name} illegally repeats the key \`${key}\``);
    data.set(key, value);
  }
  return data;
}

function envFilePairs(content: Buffer, fail: (m: string) => never): [string, Buffer][] {
  const pairs: [string, Buffer][] = [];
  const lines = content.toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = Buffer.from(raw.replace(/\r$/, ''), 'latin1');
    if (decodeUtf8(line) === undefined) fail(`line ${i} has invalid utf8 bytes`);
    if (i === 0 && line.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) line = line.subarray(3);
    const text = line.toString('utf8').replace(/^\s+/u, '');
    if (text === '' || text.startsWith('#')) return;
    const eq = text.indexOf('=');
    pairs.push(eq < 0 ? [text, Buffer.alloc(0)] : [text.slice(0, eq), Buffer.from(text.slice(eq + 1), 'utf8')]);
  });
  return pairs;
}

/** `[key=]path`; the key defaults to the path's base name. */
function parseFileSource(source: string, fail: (m: string) => never): [string, string] {
  const separators = source.split('=').length - 1;
  if (separators === 0) return [path.posix.basename(source), source];
  if (separators > 1) fail(`source "${source}" key name or file path contains '='`);
  const [key, file] = source.split('=');
  if (!key) fail(`missing key name for file path "${file}" in source "${source}"`);
  if (!file) fail(`missing file path for key name "${key}" in source "${source}"`);
  return [key, file];
}

function removeQuotes(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1]) return s;
  return s[0] === '"' || s[0] === "'" ? s.slice(1, -1) : s;
}

function decodeUtf8(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return undefined;
  }
}

/** Base64 in 70-character lines, each ending in a newline, once it needs more than one line (kyaml's encodeBase64). */
function encodeBase64(b: Buffer): string {
  const enc = b.toString('base64');
  if (enc.length < 70) return enc;
  let out = '';
  for (let i = 0; i < enc.length; i += 70) out += `${enc.slice(i, i + 70)}\n`;
  return out;
}
