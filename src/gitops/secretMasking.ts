import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import type { KubeObject } from '../kube/objects.js';
import type { Change, ObjectRef, ResultObject } from '../kluctl/types.js';

/** What replaces a Secret value in `oldValue`/`newValue` and in object copies (as Kluctl's CLI). */
export const MASKED_VALUE = '*****';
/** What replaces a Secret value in a unified diff (as Kluctl's CLI). */
export const MASKED_DIFF_VALUE = '***** (obfuscated)';
/** The new side of a value that differs from the old one, so a masked diff still shows that it changed. */
export const MASKED_CHANGED_DIFF_VALUE = '***** (obfuscated, changed)';
/** `data` values are base64 in a Secret, so masked copies keep that shape. */
const MASKED_DATA_VALUE = Buffer.from(MASKED_VALUE).toString('base64');

const SECRET_FIELD_PATH = /^\$?\.?(?:(?:data|stringData)|\[(["'])(?:data|stringData)\1\])(?=$|[.[])/;

/**
 * Hides Secret values in a command or drift result, unless `reveal` is set. The controller stores results
 * unmasked (the CLI masks only what it prints), so a client must do it. Kluctl's rules are kept: changes of
 * `kind: Secret` (core group) whose path starts at `data` or `stringData` get `*****` for values and
 * `***** (obfuscated)` in the unified diff, which is rebuilt so keys and `+`/`-` markers stay visible.
 * One addition: the new side of a value that differs reads `***** (obfuscated, changed)`, because Kluctl's
 * diff of an updated map hides which keys changed. Object copies get every data/stringData value masked.
 * The input is not modified.
 */
export function maskSecretChanges<T extends { objects?: ResultObject[] }>(
  result: T,
  options: { reveal?: boolean } = {},
): T {
  if (options.reveal || !result.objects?.some((o) => isSecret(o.ref))) return result;
  return { ...result, objects: result.objects.map((o) => (isSecret(o.ref) ? maskObject(o) : o)) };
}

function isSecret(ref: ObjectRef): boolean {
  return ref.kind === 'Secret' && !ref.group;
}

function maskObject<O extends ResultObject>(object: O): O {
  return {
    ...object,
    changes: object.changes?.map((c) => (SECRET_FIELD_PATH.test(c.jsonPath) ? maskChange(c) : c)),
    rendered: maskCopy(object.rendered),
    remote: maskCopy(object.remote),
    applied: maskCopy(object.applied),
  };
}

function maskChange(change: Change): Change {
  const masked: Change = { ...change, unifiedDiff: maskedDiff(change.oldValue, change.newValue) };
  if (change.oldValue !== undefined) masked.oldValue = maskValues(change.oldValue, MASKED_VALUE);
  if (change.newValue !== undefined) masked.newValue = maskValues(change.newValue, MASKED_VALUE);
  return masked;
}

/** Replaces the values of a map (keys stay visible), or the value itself. null stays null. */
function maskValues(value: unknown, mask: string): unknown {
  if (value === null || value === undefined) return value;
  if (isMap(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, mask]));
  return mask;
}

function maskedDiff(oldValue: unknown, newValue: unknown): string {
  if (isMap(oldValue) || isMap(newValue))
    return maskedMapDiff(isMap(oldValue) ? oldValue : {}, isMap(newValue) ? newValue : {});
  const lines: string[] = [];
  if (present(oldValue)) lines.push(`-${MASKED_DIFF_VALUE}`);
  if (present(newValue))
    lines.push(
      `+${present(oldValue) && !isDeepStrictEqual(oldValue, newValue) ? MASKED_CHANGED_DIFF_VALUE : MASKED_DIFF_VALUE}`,
    );
  return lines.join('\n');
}

/** One line per key, in YAML like Kluctl's diff of a map: `+key: '***** (obfuscated)'`. */
function maskedMapDiff(oldMap: Record<string, unknown>, newMap: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(oldMap), ...Object.keys(newMap)])].sort();
  return keys
    .flatMap((key) => {
      const inOld = key in oldMap;
      const inNew = key in newMap;
      if (inOld && inNew && isDeepStrictEqual(oldMap[key], newMap[key]))
        return [` ${yamlEntry(key, MASKED_DIFF_VALUE)}`];
      const lines: string[] = [];
      if (inOld) lines.push(`-${yamlEntry(key, MASKED_DIFF_VALUE)}`);
      if (inNew) lines.push(`+${yamlEntry(key, inOld ? MASKED_CHANGED_DIFF_VALUE : MASKED_DIFF_VALUE)}`);
      return lines;
    })
    .join('\n');
}

function yamlEntry(key: string, value: string): string {
  return stringify({ [key]: value }, { singleQuote: true, lineWidth: 0 }).trimEnd();
}

function maskCopy(object: KubeObject | undefined): KubeObject | undefined {
  if (!object) return object;
  const masked: KubeObject = { ...object };
  if (isMap(object.data)) masked.data = maskValues(object.data, MASKED_DATA_VALUE);
  if (isMap(object.stringData)) masked.stringData = maskValues(object.stringData, MASKED_VALUE);
  return masked;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
