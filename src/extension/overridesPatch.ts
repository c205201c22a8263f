/**
 * The options of `kluctl gitops <command>` (protocol §2.2) and the `overridesPatch` they become, built as
 * kluctl's `buildOverridePatch` builds it: copy the KluctlDeployment, apply the options to the copy (booleans
 * only when chosen, strings only when non-empty, lists appended, args deep-merged, source overrides added), then
 * take the JSON merge patch from the original to the copy. Pure (no vscode); it lives with the extension, not in
 * gitops/, because `-a` values are YAML read by the engine's loader and gitops does not know the engine.
 */
import { parseArgs } from '../engine/project/args.js';
import { deepMerge, type JsonObject } from '../kluctl/uo/merge.js';
import { isMap as isObject } from '../util/go-values.js';
import { createMergePatch } from '../gitops/mergePatch.js';
import { mergeSourceOverrides } from '../gitops/requests.js';
import type { FixedImage } from '../kluctl/resultTypes.js';
import type { KluctlDeployment, KluctlDeploymentSpec, RequestKind, SourceOverride } from '../kluctl/types.js';

/** Flags that set a boolean of the spec; `undefined` means "not chosen", which leaves the spec alone. */
export const BOOLEAN_OPTIONS = [
  'dryRun',
  'forceApply',
  'replaceOnError',
  'forceReplaceOnError',
  'abortOnError',
  'noWait',
  'prune',
] as const;
export type BooleanOption = (typeof BOOLEAN_OPTIONS)[number];

export interface RequestOptions {
  dryRun?: boolean;
  forceApply?: boolean;
  replaceOnError?: boolean;
  forceReplaceOnError?: boolean;
  abortOnError?: boolean;
  noWait?: boolean;
  prune?: boolean;
  /** `-t`: a target of `.kluctl.yaml`. */
  target?: string;
  /** `-T`. */
  targetNameOverride?: string;
  /** `--target-context`, written to `spec.context`. */
  targetContext?: string;
  /** `-a name=value` (nested names with dots, YAML values). */
  args?: string[];
  /** `-F image<:namespace:deployment:container>=result`. */
  fixedImages?: string[];
  /** `-I` / `-E` / `--include-deployment-dir` / `--exclude-deployment-dir`. */
  includeTags?: string[];
  excludeTags?: string[];
  includeDeploymentDirs?: string[];
  excludeDeploymentDirs?: string[];
}

/** Which option each `kluctl gitops` command accepts (v2.28: GitOpsOverridableArgs, plus DeployExtraFlags). */
export function optionsFor(kind: RequestKind): ReadonlyArray<keyof RequestOptions> {
  const overridable: Array<keyof RequestOptions> = [
    'dryRun',
    'forceApply',
    'replaceOnError',
    'forceReplaceOnError',
    'abortOnError',
    'target',
    'targetNameOverride',
    'targetContext',
    'args',
    'fixedImages',
    'includeTags',
    'excludeTags',
    'includeDeploymentDirs',
    'excludeDeploymentDirs',
  ];
  return kind === 'deploy' || kind === 'reconcile' ? [...overridable, 'noWait', 'prune'] : overridable;
}

const FIXED_IMAGE_SYNTAX = "a fixed image is 'image<:namespace:deployment:container>=result'";

/** One `-F` value, split as kluctl splits it (exactly one `=`, at most four `:`-separated parts before it). */
export function parseFixedImage(value: string): FixedImage {
  const halves = value.split('=');
  if (halves.length !== 2) throw new Error(`${FIXED_IMAGE_SYNTAX}, not '${value}'`);
  const parts = halves[0].split(':');
  if (parts.length > 4) throw new Error(`${FIXED_IMAGE_SYNTAX}, not '${value}'`);
  const image: FixedImage = { image: parts[0], resultImage: halves[1] };
  if (parts.length >= 2) image.namespace = parts[1];
  if (parts.length >= 3) image.deployment = parts[2];
  if (parts.length >= 4) image.container = parts[3];
  return image;
}

/**
 * `-a` values as kluctl reads them (last one of a name wins, dotted names nest, values are YAML). Loading a value
 * from a file (`name=@file`) is refused: the request is built in the editor, not from a shell.
 */
export function parseArgOverrides(list: readonly string[]): JsonObject {
  for (const arg of list) {
    const value = arg.slice(arg.indexOf('=') + 1);
    if (arg.includes('=') && value.startsWith('@'))
      throw new Error(`'${arg}': loading an arg from a file is not supported here (write \\@ for a literal @)`);
  }
  return parseArgs(list);
}

/** Deployment dirs are relative to the project, with forward slashes (kluctl refuses absolute ones). */
function deploymentDirs(list: readonly string[] | undefined, flag: string): string[] {
  return unique(list).map((dir) => {
    if (dir.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(dir)) throw new Error(`${flag} path must be relative: ${dir}`);
    return dir.replaceAll('\\', '/');
  });
}

/** kluctl collects -I/-E values in a set: each once. */
function unique(list: readonly string[] | undefined): string[] {
  return [...new Set((list ?? []).filter((v) => v !== ''))];
}

/** The spec after the options (and source overrides) were applied, as kluctl's copy of the deployment. */
export function applyRequestOptions(
  spec: KluctlDeploymentSpec,
  options: RequestOptions,
  sourceOverrides: readonly SourceOverride[] = [],
): KluctlDeploymentSpec {
  const out = structuredClone(spec);
  for (const key of BOOLEAN_OPTIONS) {
    const chosen = options[key];
    if (chosen === undefined) continue;
    // Go's `bool` with omitempty: false is the absent field.
    if (chosen) out[key] = true;
    else delete out[key];
  }
  if (options.target) out.target = options.target;
  if (options.targetNameOverride) out.targetNameOverride = options.targetNameOverride;
  if (options.targetContext) out.context = options.targetContext;

  const append = <T>(existing: T[] | undefined, added: T[]): T[] | undefined =>
    added.length === 0 ? existing : [...(existing ?? []), ...added];
  out.images = append(out.images, (options.fixedImages ?? []).map(parseFixedImage));
  out.includeTags = append(out.includeTags, unique(options.includeTags));
  out.excludeTags = append(out.excludeTags, unique(options.excludeTags));
  out.includeDeploymentDirs = append(
    out.includeDeploymentDirs,
    deploymentDirs(options.includeDeploymentDirs, '--include-deployment-dir'),
  );
  out.excludeDeploymentDirs = append(
    out.excludeDeploymentDirs,
    deploymentDirs(options.excludeDeploymentDirs, '--exclude-deployment-dir'),
  );

  const args = parseArgOverrides(options.args ?? []);
  if (Object.keys(args).length > 0) out.args = deepMerge(isObject(out.args) ? out.args : {}, args);

  if (sourceOverrides.length > 0) out.sourceOverrides = mergeSourceOverrides(out.sourceOverrides, sourceOverrides);
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

/**
 * The `overridesPatch` of a request with these options, or undefined when they change nothing (kluctl then
 * sends no overridesPatch). Throws a one-line error for an option kluctl would reject.
 */
export function buildOverridesPatch(
  kd: KluctlDeployment,
  options: RequestOptions,
  sourceOverrides: readonly SourceOverride[] = [],
): { spec: Record<string, unknown> } | undefined {
  const modified = applyRequestOptions(kd.spec, options, sourceOverrides);
  const patch = createMergePatch(kd.spec, modified);
  return Object.keys(patch).length === 0 ? undefined : { spec: patch };
}

/** The options as the `kluctl gitops` flags that ask for the same (for display and the output log). */
export function describeOptions(options: RequestOptions): string[] {
  const flags: string[] = [];
  const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const key of BOOLEAN_OPTIONS) {
    const value = options[key];
    if (value !== undefined) flags.push(value ? `--${kebab(key)}` : `--${kebab(key)}=false`);
  }
  if (options.target) flags.push(`-t ${options.target}`);
  if (options.targetNameOverride) flags.push(`-T ${options.targetNameOverride}`);
  if (options.targetContext) flags.push(`--target-context ${options.targetContext}`);
  for (const a of options.args ?? []) flags.push(`-a ${a}`);
  for (const f of options.fixedImages ?? []) flags.push(`-F ${f}`);
  for (const t of options.includeTags ?? []) flags.push(`-I ${t}`);
  for (const t of options.excludeTags ?? []) flags.push(`-E ${t}`);
  for (const d of options.includeDeploymentDirs ?? []) flags.push(`--include-deployment-dir ${d}`);
  for (const d of options.excludeDeploymentDirs ?? []) flags.push(`--exclude-deployment-dir ${d}`);
  return flags;
}

/** A declared arg of `.kluctl.yaml` (`args: [{name, default?}]`). */
export interface DeclaredArg {
  name: string;
  default?: unknown;
}

/**
 * Checks one `name=value` arg against the project's declared args. `error`: kluctl would reject it (syntax, YAML
 * value). `warning`: the project does not declare it (kluctl passes it on anyway, so it is allowed).
 */
export function checkArg(
  arg: string,
  declared: readonly DeclaredArg[] | undefined,
): { severity: 'error' | 'warning'; message: string } | undefined {
  try {
    parseArgOverrides([arg]);
  } catch (error) {
    return { severity: 'error', message: (error as Error).message };
  }
  if (!declared || declared.length === 0) return undefined;
  const name = arg.slice(0, arg.indexOf('='));
  const known = declared.some((d) => name === d.name || name.startsWith(`${d.name}.`) || d.name.startsWith(`${name}.`));
  if (known) return undefined;
  return {
    severity: 'warning',
    message: `'${name}' is not an arg of the project (it declares ${declared.map((d) => d.name).join(', ')}); kluctl passes it on anyway`,
  };
}
