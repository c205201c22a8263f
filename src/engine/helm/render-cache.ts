/**
 * Helm renders of the bundled Helm kept on disk between processes. A chart render costs a CLI process seconds (the
 * module compiles, Go initialises, the templates run in WebAssembly); the same chart with the same values, release,
 * capabilities and module renders the same manifest, so a later process reuses it.
 *
 * What is never stored (the caller's rules, helm-chart.ts): a render that called a volatile function (the clock,
 * randomness, generated keys and certificates, DNS: helm-wasm/volatile.go), whose values were decrypted by SOPS, or
 * whose output holds a Secret. What is stored is encrypted (AES-256-GCM) with a key derived from all of the render's
 * inputs, under a name derived from them too: the cache tells nothing to whoever does not have those inputs, and
 * whoever has them could render it. An entry that cannot be read or decrypted is a miss (and removed); a failure to
 * write one only means the next process renders again. At most MAX_ENTRIES are kept (least recently used go).
 *
 * KLUCTL_TS_HELM_RENDER_CACHE=0 turns it off; it lives in the engine's cache dir (KLUCTL_TS_CACHE_DIR, else
 * ~/.cache/kluctl-ts) under helm-renders/.
 */

import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from '../git/repo-cache.js';
import type { HelmTemplateRequest } from './helm-wasm.js';

/** Changes when what an entry holds or how its key is made changes. */
const FORMAT = 'kluctl-ts helm render cache 1';
const MAGIC = Buffer.from('KTSHRC1\n');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MAX_ENTRIES = 256;
/** Larger manifests are not kept. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;
/** Charts beyond these bounds are not hashed (nor cached). */
const MAX_CHART_FILES = 5_000;
const MAX_CHART_BYTES = 64 * 1024 * 1024;

/** Names an entry and holds the key that encrypts it; both come from one digest of the render's inputs. */
export interface RenderKey {
  readonly name: string;
  readonly secret: Buffer;
}

export class HelmRenderCache {
  constructor(readonly dir: string) {}

  /**
   * The key of a render by `moduleFile` (the Helm module: its identity is its size, time and inode) of `request`;
   * undefined when the chart is not only regular files and directories within the bounds.
   */
  key(request: HelmTemplateRequest, moduleFile: string): RenderKey | undefined {
    let module: fs.Stats;
    try {
      module = fs.statSync(moduleFile);
    } catch {
      return undefined;
    }
    const h = createHash('sha256').update(`${FORMAT}\0${module.size}:${module.mtimeMs}:${module.ino}:${module.dev}\0`);
    const { chartDir, ...rest } = request;
    h.update(JSON.stringify(rest, Object.keys(rest).sort())).update('\0');
    if (!hashTree(h, path.resolve(chartDir), '', { files: 0, bytes: 0 })) return undefined;
    const digest = h.digest();
    const derive = (use: string) => createHash('sha256').update(use).update(digest).digest();
    return { name: derive('name').toString('hex'), secret: derive('key') };
  }

  /** The manifest stored under `key`, if any. */
  get(key: RenderKey): string | undefined {
    const file = path.join(this.dir, key.name);
    try {
      if (fs.statSync(file).size > MAX_ENTRY_BYTES + MAGIC.length + IV_BYTES + TAG_BYTES) throw new Error('too large');
      const data = fs.readFileSync(file);
      if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an entry');
      const iv = data.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
      const tag = data.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key.secret, iv);
      decipher.setAuthTag(tag);
      const text = Buffer.concat([
        decipher.update(data.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      const now = new Date();
      fs.utimesSync(file, now, now);
      return text;
    } catch {
      removeQuietly(file);
      return undefined;
    }
  }

  /** Stores `manifest` under `key` (whole or not at all), then keeps the newest MAX_ENTRIES. */
  put(key: RenderKey, manifest: string): void {
    const plain = Buffer.from(manifest, 'utf8');
    if (plain.length > MAX_ENTRY_BYTES) return;
    const file = path.join(this.dir, key.name);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      fs.writeFileSync(tmp, Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]), { mode: 0o600 });
      fs.renameSync(tmp, file);
      this.prune();
    } catch {
      removeQuietly(tmp);
    }
  }

  private prune(): void {
    const entries = fs.readdirSync(this.dir).filter((n) => /^[0-9a-f]{64}$/.test(n));
    if (entries.length <= MAX_ENTRIES) return;
    const dated = entries.map((name) => {
      try {
        return { name, mtime: fs.statSync(path.join(this.dir, name)).mtimeMs };
      } catch {
        return { name, mtime: 0 };
      }
    });
    dated.sort((a, b) => a.mtime - b.mtime);
    for (const { name } of dated.slice(0, dated.length - MAX_ENTRIES)) removeQuietly(path.join(this.dir, name));
  }
}

/** The cache renders use unless KLUCTL_TS_HELM_RENDER_CACHE turns it off. */
export function defaultHelmRenderCache(env: NodeJS.ProcessEnv = process.env): HelmRenderCache | undefined {
  if (/^(0|off|false|no)$/i.test(env.KLUCTL_TS_HELM_RENDER_CACHE ?? '')) return undefined;
  return new HelmRenderCache(path.join(defaultCacheDir(), 'helm-renders'));
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // not there, or not removable: a miss either way
  }
}

/** Adds every path (sorted) and regular file under `dir` to `h`; false on anything else or beyond the bounds. */
function hashTree(h: Hash, dir: string, rel: string, seen: { files: number; bytes: number }): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const relPath = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    if (++seen.files > MAX_CHART_FILES) return false;
    if (e.isDirectory()) {
      h.update(`d\0${relPath}\0`);
      if (!hashTree(h, full, relPath, seen)) return false;
    } else if (e.isFile()) {
      let data: Buffer;
      try {
        data = fs.readFileSync(full);
      } catch {
        return false;
      }
      seen.bytes += data.length;
      if (seen.bytes > MAX_CHART_BYTES) return false;
      h.update(`f\0${relPath}\0${data.length}\0`).update(data);
    } else {
      return false;
    }
  }
  return true;
}
