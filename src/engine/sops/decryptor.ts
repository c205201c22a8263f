/**
 * Kluctl's `MaybeDecrypt`: a file whose content carries SOPS metadata is decrypted in memory (never written to
 * disk); any other file is returned as it is. The format comes from the file name as SOPS decides it.
 *
 * Unwrapping a data key is asynchronous (age, PGP) while kustomize's file reads are synchronous, so data keys are
 * cached per set of master keys: `decryptSync` throws `SopsKeyNeeded` for a file whose key is not cached yet, the
 * caller awaits `prepare` and reads again (see decryptingReader).
 */

import { decryptDocument } from './cipher.js';
import { maybeSops, sopsFormatForPath, type SopsFormat } from './format.js';
import { getDataKey, KeyUnwrapper, type KeySourceOptions } from './keys.js';
import type { SopsMetadata } from './metadata.js';
import { emitPlain, loadEncrypted, type SopsDocument } from './stores.js';

export interface Decrypted {
  data: Buffer;
  /** The input was SOPS-encrypted (its values are secret). */
  encrypted: boolean;
}

/** A synchronous read met a SOPS file whose data key is not unwrapped yet. */
export class SopsKeyNeeded extends Error {
  constructor(
    readonly file: string,
    readonly metadata: SopsMetadata,
  ) {
    super(`${file}: the SOPS data key is not loaded yet`);
    this.name = 'SopsKeyNeeded';
  }
}

const keyId = (m: SopsMetadata): string => JSON.stringify(m.keyGroups);
const asBuffer = (data: Uint8Array | string): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data));

export class SopsDecryptor {
  private readonly keys = new Map<string, Uint8Array>();
  private readonly unwrapper: KeyUnwrapper;

  constructor(o: KeySourceOptions) {
    this.unwrapper = new KeyUnwrapper(o);
  }

  /** The SOPS document in `data`, or undefined for a plain file. */
  private load(data: Uint8Array | string, file: string, format: SopsFormat): SopsDocument | undefined {
    if (!maybeSops(data)) return undefined;
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    return loadEncrypted(text, format, file);
  }

  private finish(doc: SopsDocument, key: Uint8Array, file: string): Decrypted {
    return { data: Buffer.from(emitPlain(decryptDocument(doc, key, file)), 'utf8'), encrypted: true };
  }

  /** Unwraps (and caches) the data key of a file's metadata. */
  async prepare(metadata: SopsMetadata, file: string): Promise<void> {
    const id = keyId(metadata);
    if (!this.keys.has(id)) this.keys.set(id, await getDataKey(metadata, this.unwrapper, file));
  }

  async maybeDecrypt(data: Uint8Array | string, file: string, format = sopsFormatForPath(file)): Promise<Decrypted> {
    const doc = this.load(data, file, format);
    if (!doc) return { data: asBuffer(data), encrypted: false };
    await this.prepare(doc.metadata, file);
    return this.finish(doc, this.keys.get(keyId(doc.metadata))!, file);
  }

  /** Like maybeDecrypt, from the key cache; throws SopsKeyNeeded when the file's key is not cached. */
  decryptSync(data: Uint8Array | string, file: string, format = sopsFormatForPath(file)): Decrypted {
    const doc = this.load(data, file, format);
    if (!doc) return { data: asBuffer(data), encrypted: false };
    const key = this.keys.get(keyId(doc.metadata));
    if (!key) throw new SopsKeyNeeded(file, doc.metadata);
    return this.finish(doc, key, file);
  }
}

/** How many SOPS files one synchronous job may need keys for (each costs one retry). */
const MAX_KEY_ROUNDS = 1000;

/**
 * Runs a synchronous job that reads files through `decryptor.decryptSync`, unwrapping each data key it misses and
 * running the job again (a deterministic job reaches one more file each round).
 */
export async function withSopsKeys<T>(decryptor: SopsDecryptor, job: () => T | Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await job();
    } catch (e) {
      const needed = findKeyNeeded(e);
      if (!needed || round >= MAX_KEY_ROUNDS) throw e;
      await decryptor.prepare(needed.metadata, needed.file);
    }
  }
}

function findKeyNeeded(e: unknown): SopsKeyNeeded | undefined {
  for (let x = e, depth = 0; x instanceof Error && depth < 10; x = x.cause, depth++)
    if (x instanceof SopsKeyNeeded) return x;
  return undefined;
}
