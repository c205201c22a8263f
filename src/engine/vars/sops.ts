import { isObject } from './merge.js';

/** SOPS-encrypted YAML/JSON carries a top-level `sops` map with a `mac` or `lastmodified` field. */
export function looksLikeSops(value: unknown): boolean {
  const sops = isObject(value) ? value.sops : undefined;
  return isObject(sops) && ('mac' in sops || 'lastmodified' in sops);
}

export function sopsNotSupported(file: string): Error {
  return new Error(`${file} is SOPS-encrypted: SOPS is not supported yet by kluctl-ts (decrypt it or use the kluctl CLI)`);
}
