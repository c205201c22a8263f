/**
 * The `sops` metadata section as SOPS reads it (stores.Metadata → sops.Metadata): the master keys grouped as SOPS
 * groups them, and the rule that decides which leaves are encrypted.
 */

import { SopsError } from './errors.js';

export type MasterKey =
  | { type: 'age'; recipient: string; enc: string }
  | { type: 'pgp'; fp: string; enc: string }
  | { type: 'kms' | 'gcp_kms' | 'azure_kv' | 'hc_vault'; id: string; enc: string };

export interface SopsMetadata {
  keyGroups: MasterKey[][];
  shamirThreshold: number;
  lastModified: string;
  mac: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: RegExp;
  encryptedRegex?: RegExp;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** The non-cloud/cloud master keys of one group (or of the top level), in SOPS's order (kms, gcp, azure, vault, age, pgp). */
function keysOf(m: Record<string, unknown>): MasterKey[] {
  return [
    ...list(m.kms).map((k) => ({ type: 'kms' as const, id: str(k.arn), enc: str(k.enc) })),
    ...list(m.gcp_kms).map((k) => ({ type: 'gcp_kms' as const, id: str(k.resource_id), enc: str(k.enc) })),
    ...list(m.azure_kv).map((k) => ({
      type: 'azure_kv' as const,
      id: `${str(k.vault_url)}/keys/${str(k.name)}/${str(k.version)}`,
      enc: str(k.enc),
    })),
    ...list(m.hc_vault).map((k) => ({
      type: 'hc_vault' as const,
      id: `${str(k.vault_address)}/v1/${str(k.engine_path)}/keys/${str(k.key_name)}`,
      enc: str(k.enc),
    })),
    ...list(m.age).map((k) => ({ type: 'age' as const, recipient: str(k.recipient), enc: str(k.enc) })),
    ...list(m.pgp).map((k) => ({ type: 'pgp' as const, fp: str(k.fp), enc: str(k.enc) })),
  ];
}

/** Go's RE2 syntax is close enough to JavaScript's for the patterns SOPS users write; an invalid one is an error. */
function regex(v: unknown, field: string, file: string): RegExp | undefined {
  const s = str(v);
  if (s === '') return undefined;
  try {
    return new RegExp(s);
  } catch (e) {
    throw new SopsError(file, `invalid ${field} '${s}' in the sops metadata: ${(e as Error).message}`);
  }
}

/** sops.Metadata from the raw `sops` map; errors as SOPS's ToInternal errs (bad lastmodified, two encryption rules). */
export function toMetadata(raw: unknown, file: string): SopsMetadata {
  if (!isRecord(raw)) throw new SopsError(file, `the sops metadata is not a map`);
  const lastModified = str(raw.lastmodified);
  // RFC 3339, as SOPS's time.Parse demands.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(lastModified))
    throw new SopsError(file, `invalid sops metadata: lastmodified '${lastModified}' is not an RFC 3339 time`);
  const groups = list(raw.key_groups);
  const keyGroups = groups.length > 0 ? groups.map(keysOf) : [keysOf(raw)];
  const m: SopsMetadata = {
    keyGroups,
    shamirThreshold: Number(raw.shamir_threshold ?? 0) || 0,
    lastModified,
    mac: str(raw.mac),
    unencryptedSuffix: str(raw.unencrypted_suffix) || undefined,
    encryptedSuffix: str(raw.encrypted_suffix) || undefined,
    unencryptedRegex: regex(raw.unencrypted_regex, 'unencrypted_regex', file),
    encryptedRegex: regex(raw.encrypted_regex, 'encrypted_regex', file),
  };
  const rules = [m.unencryptedSuffix, m.encryptedSuffix, m.unencryptedRegex, m.encryptedRegex].filter(
    (x) => x !== undefined,
  ).length;
  if (rules > 1)
    throw new SopsError(
      file,
      'Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex or unencrypted_regex in the same file',
    );
  if (rules === 0) m.unencryptedSuffix = '_unencrypted';
  return m;
}

/** Whether the leaf at `path` (map keys only, as SOPS walks) is encrypted under the file's rule (sops.Tree.Decrypt). */
export function isEncryptedPath(m: SopsMetadata, path: readonly string[]): boolean {
  let encrypted = true;
  if (m.unencryptedSuffix !== undefined && path.some((p) => p.endsWith(m.unencryptedSuffix!))) encrypted = false;
  if (m.encryptedSuffix !== undefined) encrypted = path.some((p) => p.endsWith(m.encryptedSuffix!));
  if (m.unencryptedRegex !== undefined && path.some((p) => m.unencryptedRegex!.test(p))) encrypted = false;
  if (m.encryptedRegex !== undefined) encrypted = path.some((p) => m.encryptedRegex!.test(p));
  return encrypted;
}

/** How a key is named in errors: its recipient, fingerprint or resource. */
export function describeKey(k: MasterKey): string {
  if (k.type === 'age') return `age recipient ${k.recipient}`;
  if (k.type === 'pgp') return `PGP key ${k.fp}`;
  const names = {
    kms: 'AWS KMS key',
    gcp_kms: 'GCP KMS key',
    azure_kv: 'Azure Key Vault key',
    hc_vault: 'HashiCorp Vault key',
  };
  return `${names[k.type]} ${k.id}`;
}
