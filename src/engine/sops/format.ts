/**
 * Which SOPS store reads a file, decided by its name as SOPS does (`formats.FormatForPath`): `.yaml`/`.yml`,
 * `.json`, `.env`, `.ini`, anything else binary.
 */

export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

export function sopsFormatForPath(file: string): SopsFormat {
  if (file.endsWith('.yaml') || file.endsWith('.yml')) return 'yaml';
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.env')) return 'dotenv';
  if (file.endsWith('.ini')) return 'ini';
  return 'binary';
}

/** Kluctl's cheap pre-check (`IsMaybeSopsFile`): no "sops" anywhere, no SOPS metadata. */
export function maybeSops(data: Uint8Array | string): boolean {
  if (typeof data === 'string') return data.includes('sops');
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return bytes.includes('sops');
}
