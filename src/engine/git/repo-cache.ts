/**
 * Repositories of git includes and git/gitFiles vars. Like Kluctl: one bare mirror per URL, updated once per run,
 * and a checkout per commit. Checkouts are immutable, so they are kept in the cache dir and reused across runs.
 */

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GitRef } from '../project/types.js';
import { withFileLock } from './file-lock.js';
import { gitClient, gitErrorMessage } from './git-command.js';
import { parseLsRemote, resolveRef, type RepoInfo } from './refs.js';

export function defaultCacheDir(): string {
  return process.env.KLUCTL_TS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kluctl-ts');
}

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

export class GitRepoCache {
  private readonly infos = new Map<string, Promise<RepoInfo>>();
  private readonly checkouts = new Map<string, Promise<string>>();

  constructor(private readonly cacheDir = path.join(defaultCacheDir(), 'git')) {}

  /** Refs and default branch of `url`; the first call per run also fetches the mirror. */
  repoInfo(url: string, signal?: AbortSignal): Promise<RepoInfo> {
    let p = this.infos.get(url);
    if (!p) {
      p = this.updateMirror(url, signal);
      this.infos.set(url, p);
      p.catch(() => this.infos.delete(url));
    }
    return p;
  }

  /** A checkout of `url` at `ref` (the remote's default branch when absent). */
  async checkout(url: string, ref?: GitRef, signal?: AbortSignal): Promise<string> {
    const info = await this.repoInfo(url, signal);
    let commit: string;
    try {
      commit = resolveRef(info, ref).commit;
    } catch (error) {
      throw new Error(`failed to check out ${url}: ${(error as Error).message}`, { cause: error });
    }
    return this.checkoutCommit(url, commit, signal);
  }

  /** A checkout of `url` at `commit` (which the mirror must hold). */
  checkoutCommit(url: string, commit: string, signal?: AbortSignal): Promise<string> {
    const key = `${url}#${commit}`;
    let p = this.checkouts.get(key);
    if (!p) {
      p = this.createCheckout(url, commit, signal);
      this.checkouts.set(key, p);
      p.catch(() => this.checkouts.delete(key));
    }
    return p;
  }

  private mirrorDir(url: string): string {
    return path.join(this.cacheDir, 'mirrors', hash(url, 24));
  }

  private async updateMirror(url: string, signal?: AbortSignal): Promise<RepoInfo> {
    const dir = this.mirrorDir(url);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    return withFileLock(
      `${dir}.lock`,
      async () => {
        try {
          const info = parseLsRemote(url, await gitClient(undefined, signal).listRemote(['--symref', url]));
          if (!fs.existsSync(path.join(dir, 'HEAD'))) {
            fs.rmSync(dir, { recursive: true, force: true });
            await gitClient(undefined, signal).raw(['init', '--quiet', '--bare', dir]);
          }
          if (info.refs.size > 0) {
            await gitClient(dir, signal).raw([
              'fetch',
              '--quiet',
              '--prune',
              '--force',
              url,
              '+refs/heads/*:refs/heads/*',
              '+refs/tags/*:refs/tags/*',
            ]);
          }
          return info;
        } catch (error) {
          throw new Error(`failed to fetch git repository ${url}: ${gitErrorMessage(error)}`, { cause: error });
        }
      },
      signal,
    );
  }

  private async createCheckout(url: string, commit: string, signal?: AbortSignal): Promise<string> {
    const dir = path.join(this.cacheDir, 'checkouts', `${hash(url, 16)}-${commit}`);
    if (fs.existsSync(dir)) return dir;
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // Built beside the final dir and renamed into place, so an existing dir is always complete.
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await gitClient(undefined, signal).raw(['clone', '--quiet', '--no-checkout', this.mirrorDir(url), tmp]);
      await gitClient(tmp, signal).raw(['checkout', '--quiet', '--detach', commit]);
      try {
        fs.renameSync(tmp, dir);
      } catch (error) {
        if (!fs.existsSync(dir)) throw error; // else another process won the race
      }
      return dir;
    } catch (error) {
      throw new Error(`failed to check out ${url} at ${commit}: ${gitErrorMessage(error)}`, { cause: error });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}
