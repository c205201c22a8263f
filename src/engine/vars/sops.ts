import { parseYaml } from '../yaml/strict.js';
import { isMap as isObject } from '../../util/go-values.js';

/** SOPS-encrypted YAML/JSON carries a top-level `sops` map with a `mac` or `lastmodified` field. */
export function looksLikeSops(value: unknown): boolean {
  const sops = isObject(value) ? value.sops : undefined;
  return isObject(sops) && ('mac' in sops || 'lastmodified' in sops);
}

/** The same check on raw file text (YAML and JSON files only, as SOPS decides by extension). */
export function looksLikeSopsText(text: string, file: string): boolean {
  if (!/\.(ya?ml|json)$/i.test(file) || !text.includes('sops')) return false;
  try {
    return looksLikeSops(parseYaml(text));
  } catch {
    return false;
  }
}

export function sopsNotSupported(file: string): Error {
  return new Error(
    `${file} is SOPS-encrypted: SOPS is not supported yet by kluctl-ts (decrypt it or use the kluctl CLI)`,
  );
}
