/**
 * The file's data key, from its master keys as SOPS finds them (sops.Metadata.GetDataKeyWithKeyServices with the
 * local key service, offline keys first, as Kluctl sorts them):
 *
 * - age: identities from `SOPS_AGE_KEY`, the file `SOPS_AGE_KEY_FILE` and `<config dir>/sops/age/keys.txt` (the
 *   config dir is `$XDG_CONFIG_HOME` or `~/.config`; on macOS `~/Library/Application Support` unless
 *   XDG_CONFIG_HOME is set), all of them, as SOPS loads them. Decrypted with the `age-encryption` library.
 * - PGP: like SOPS, first the legacy keyring `$GNUPGHOME/secring.gpg` (default `~/.gnupg`), read with `openpgp`;
 *   then the user's GnuPG (`SOPS_GPG_EXEC` or `gpg` on PATH, `gpg --batch --decrypt`), which holds GnuPG 2.1+
 *   keys behind its agent; nothing else can read those. It gets only the wrapped data key on stdin, runs bounded
 *   (timeout, cancel), and is never asked for anything else.
 * - AWS/GCP KMS, Azure Key Vault, HashiCorp Vault: not supported; a file whose groups need them fails naming them.
 *
 * Several key groups (Shamir secret sharing) are not supported either.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SopsError } from './errors.js';
import { describeKey, type MasterKey, type SopsMetadata } from './metadata.js';
import { runProcess, ProcessTimeoutError } from '../../util/run-process.js';
import { isCancellation } from '../../util/errors.js';

const GPG_TIMEOUT_MS = 60_000;
const MAX_KEY_FILE_BYTES = 1 << 20;

export interface KeySourceOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Where age identities come from, in SOPS's order. */
export function ageKeySources(env: NodeJS.ProcessEnv): { name: string; read: () => string | undefined }[] {
  const sources: { name: string; read: () => string | undefined }[] = [];
  if (env.SOPS_AGE_KEY !== undefined) sources.push({ name: 'SOPS_AGE_KEY', read: () => env.SOPS_AGE_KEY });
  const file = env.SOPS_AGE_KEY_FILE;
  if (file !== undefined) sources.push({ name: `SOPS_AGE_KEY_FILE (${file})`, read: () => readKeyFile(file, true) });
  const configDir = userConfigDir(env);
  if (configDir) {
    const keys = path.join(configDir, 'sops', 'age', 'keys.txt');
    sources.push({ name: keys, read: () => readKeyFile(keys, false) });
  }
  return sources;
}

function userConfigDir(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HOME || os.homedir();
  if (process.platform === 'darwin')
    return env.XDG_CONFIG_HOME || (home ? path.join(home, 'Library', 'Application Support') : undefined);
  if (process.platform === 'win32') return env.AppData || undefined;
  return env.XDG_CONFIG_HOME || (home ? path.join(home, '.config') : undefined);
}

function readKeyFile(file: string, required: boolean): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error(`${file} is not a file`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new Error(`${file} is larger than ${MAX_KEY_FILE_BYTES} bytes`);
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`failed to open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e,
    });
  }
}

/** The `AGE-SECRET-KEY-1…` lines of an identity file (comments and blank lines skipped, as age parses them). */
function ageIdentities(text: string, source: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(line))
      throw new Error(
        `failed to parse '${source}' age identities: malformed secret key (only age X25519 identities are supported)`,
      );
    out.push(line);
  }
  return out;
}

type AgeModule = typeof import('age-encryption');
type OpenPgpModule = typeof import('openpgp');
let ageModule: Promise<AgeModule> | undefined;
let pgpModule: Promise<OpenPgpModule> | undefined;

/** The data key of one master key; rejects with the reason this key could not give it. */
export class KeyUnwrapper {
  private ageIds?: string[];
  private pgpKeys?: Awaited<ReturnType<OpenPgpModule['readPrivateKeys']>>;

  constructor(private readonly o: KeySourceOptions) {}

  async unwrap(key: MasterKey): Promise<Uint8Array> {
    if (key.type === 'age') return this.age(key.enc);
    if (key.type === 'pgp') return this.pgp(key.enc, key.fp);
    throw new Error('this key type is not supported by kluctl-ts (only age and PGP keys)');
  }

  private identities(): string[] {
    if (this.ageIds) return this.ageIds;
    const ids: string[] = [];
    for (const s of ageKeySources(this.o.env)) {
      const text = s.read();
      if (text !== undefined) ids.push(...ageIdentities(text, s.name));
    }
    this.ageIds = ids;
    return ids;
  }

  private async age(enc: string): Promise<Uint8Array> {
    const ids = this.identities();
    if (ids.length === 0)
      throw new Error(
        'no age identity found (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or use ~/.config/sops/age/keys.txt)',
      );
    const age = await (ageModule ??= import('age-encryption'));
    const d = new age.Decrypter();
    for (const id of ids) d.addIdentity(id);
    let sealed: Uint8Array;
    try {
      sealed = age.armor.decode(enc);
    } catch (e) {
      throw new Error(`the age-encrypted data key is malformed: ${(e as Error).message}`, { cause: e });
    }
    try {
      return await d.decrypt(sealed);
    } catch (e) {
      throw new Error(`no age identity matches: ${(e as Error).message}`, { cause: e });
    }
  }

  private gnupgHome(): string {
    return this.o.env.GNUPGHOME || path.join(this.o.env.HOME || os.homedir(), '.gnupg');
  }

  private async pgp(enc: string, fp: string): Promise<Uint8Array> {
    const errors: string[] = [];
    try {
      return await this.pgpSecring(enc);
    } catch (e) {
      errors.push(`secring.gpg: ${(e as Error).message}`);
    }
    try {
      return await this.gpgBinary(enc);
    } catch (e) {
      if (isCancellation(e)) throw e;
      errors.push(`GnuPG: ${(e as Error).message}`);
    }
    throw new Error(`could not decrypt the data key with PGP key ${fp}: ${errors.join('; ')}`);
  }

  private async pgpSecring(enc: string): Promise<Uint8Array> {
    const openpgp = await (pgpModule ??= import('openpgp'));
    if (!this.pgpKeys) {
      const ring = path.join(this.gnupgHome(), 'secring.gpg');
      const bytes = readKeyFile(ring, false);
      if (bytes === undefined) throw new Error(`${ring} does not exist`);
      this.pgpKeys = await openpgp.readPrivateKeys({ binaryKeys: fs.readFileSync(ring) });
    }
    const usable = this.pgpKeys.filter((k) => k.isDecrypted());
    if (usable.length === 0) throw new Error('no unprotected secret key in the keyring');
    const message = await openpgp.readMessage({ armoredMessage: enc });
    const result = await openpgp.decrypt({ message, decryptionKeys: usable, format: 'binary' });
    return result.data as Uint8Array;
  }

  private async gpgBinary(enc: string): Promise<Uint8Array> {
    const gpg = this.o.env.SOPS_GPG_EXEC || 'gpg';
    try {
      const r = await runProcess(gpg, ['--batch', '--no-tty', '--quiet', '--decrypt'], {
        env: this.o.env,
        input: enc,
        signal: this.o.signal,
        timeoutMs: GPG_TIMEOUT_MS,
        maxOutputBytes: 1 << 16,
      });
      if (r.code !== 0)
        throw new Error(r.stderr.toString('utf8').trim().split('\n').slice(-3).join(' ') || `exit code ${r.code}`);
      return new Uint8Array(r.stdout);
    } catch (e) {
      if (isCancellation(e)) throw e;
      if (e instanceof ProcessTimeoutError)
        throw new Error(`${gpg} did not finish within ${GPG_TIMEOUT_MS / 1000}s`, { cause: e });
      throw e;
    }
  }
}

const OFFLINE = new Set(['age', 'pgp']);

/** The data key of a file (one key group; its offline keys first); the error names every key that was tried. */
export async function getDataKey(m: SopsMetadata, unwrapper: KeyUnwrapper, file: string): Promise<Uint8Array> {
  if (m.keyGroups.length > 1)
    throw new SopsError(
      file,
      `cannot get sops data key: ${m.keyGroups.length} key groups (Shamir secret sharing) are not supported by kluctl-ts`,
    );
  const group = [...(m.keyGroups[0] ?? [])].sort((a, b) => Number(OFFLINE.has(b.type)) - Number(OFFLINE.has(a.type)));
  if (group.length === 0) throw new SopsError(file, 'cannot get sops data key: the file names no master key');
  const failures: string[] = [];
  for (const key of group) {
    try {
      return await unwrapper.unwrap(key);
    } catch (e) {
      if (isCancellation(e)) throw e;
      failures.push(`${describeKey(key)}: ${(e as Error).message}`);
    }
  }
  const onlyUnsupported = group.every((k) => !OFFLINE.has(k.type));
  throw new SopsError(
    file,
    onlyUnsupported
      ? `cannot get sops data key: it is encrypted only for ${group.map(describeKey).join(', ')}; kluctl-ts decrypts with age and PGP keys only`
      : `cannot get sops data key: no key could decrypt it. Tried: ${failures.join('; ')}`,
  );
}
