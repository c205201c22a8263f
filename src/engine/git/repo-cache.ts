/** Clones of git includes and git vars sources, kept in a cache dir and updated on every use (Kluctl's default). */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { GitRef } from '../project/types.js';

export function defaultCacheDir(): string {
  return process.env.KLUCTL_TS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kluctl-ts');
}

function refName(ref: GitRef | undefined): string | undefined {
  if (!ref) return undefined;
  if (typeof ref === 'string') return ref;
  return ref.commit ?? ref.tag ?? ref.branch;
}

export class GitRepoCache {
  private readonly clones = new Map<string, Promise<string>>();

  constructor(private readonly cacheDir = path.join(defaultCacheDir(), 'git')) {}

  /** A checkout of `url` at `ref` (default branch when absent); one clone per url and ref per run. */
  checkout(url: string, ref?: GitRef, signal?: AbortSignal): Promise<string> {
    const name = refName(ref);
    const key = `${url}#${name ?? ''}`;
    let p = this.clones.get(key);
    if (!p) {
      p = this.clone(url, name, key, signal);
      this.clones.set(key, p);
    }
    return p;
  }

  private async clone(url: string, ref: string | undefined, key: string, signal?: AbortSignal): Promise<string> {
    const dir = path.join(this.cacheDir, createHash('sha256').update(key).digest('hex').slice(0, 24));
    const git = (cwd?: string) => simpleGit({ baseDir: cwd, abort: signal, config: [] }).env({ ...process.env, GIT_TERMINAL_PROMPT: '0' });
    try {
      if (!fs.existsSync(path.join(dir, '.git'))) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(dir), { recursive: true });
        await git().clone(url, dir, ['--no-checkout']);
      } else {
        await git(dir).fetch(['--tags', '--force', 'origin']);
      }
      const repo = git(dir);
      if (ref) {
        const remote = (await repo.branch(['-r'])).all.includes(`origin/${ref}`);
        await repo.checkout(['--force', '--detach', remote ? `origin/${ref}` : ref]);
      } else {
        await repo.checkout(['--force', '--detach', 'origin/HEAD']);
      }
      return dir;
    } catch (error) {
      throw new Error(`failed to clone ${url}${ref ? ` at ${ref}` : ''}: ${(error as Error).message}`);
    }
  }
}
