import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { SourceOverrideError, unreadableError } from './errors.js';
import { CancelledError } from '../../util/errors.js';

export interface TreeEntry {
  /** Relative to the root, forward slashes, no trailing slash. */
  path: string;
  type: 'file' | 'directory';
  /** Bytes; 0 for directories. */
  size: number;
  /** Any execute bit set (files only). */
  executable: boolean;
}

/** The `.gitignore` of one directory, matching paths relative to that directory. */
interface IgnoreLevel {
  /** Relative to the root, `""` for the root itself. */
  base: string;
  matcher: Ignore;
}

/**
 * The files and directories of a working tree as Kluctl uploads it: depth-first in byte order of names, a
 * directory before its contents. Left out: every `.git` (directory or file, at any depth), symlinks and other
 * special files, and whatever the `.gitignore` files of the tree exclude, evaluated as Git does: each file
 * scoped to its directory, deeper files deciding before shallower ones, and nothing inside an excluded
 * directory re-included. One conservative difference: below a directory that a deeper `.gitignore` re-includes
 * after a shallower one excluded it, the shallower file still excludes everything (Git would judge each path).
 */
export async function listSourceTree(root: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  await walk(path.resolve(root), '', [], entries, signal);
  return entries;
}

async function walk(
  dir: string,
  rel: string,
  levels: IgnoreLevel[],
  out: TreeEntry[],
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw new CancelledError('source override');
  const names = (await fs.readdir(dir).catch((error: unknown) => Promise.reject(unreadableError(rel, error)))).sort(
    compareBytes,
  );
  const own = await readGitignore(dir, rel);
  const scoped =
    own === undefined ? levels : [...levels, { base: rel, matcher: ignore({ allowRelativePaths: true }).add(own) }];
  for (const name of names) {
    if (name === '.git') continue;
    const entryRel = rel === '' ? name : `${rel}/${name}`;
    const absolute = path.join(dir, name);
    const stat = await fs.lstat(absolute).catch((error: unknown) => Promise.reject(unreadableError(entryRel, error)));
    const isDir = stat.isDirectory();
    if (!isDir && !stat.isFile()) continue; // symlinks, sockets, devices: Kluctl skips them too
    if (isIgnored(scoped, entryRel, isDir)) continue;
    if (name.includes('\\')) {
      // The controller's untar rejects such names and would fail the whole upload.
      throw new SourceOverrideError(
        'artifactFailed',
        `cannot upload "${entryRel}": the kluctl-controller rejects names containing "\\" (rename it or add it to .gitignore)`,
      );
    }
    if (isDir) {
      out.push({ path: entryRel, type: 'directory', size: 0, executable: false });
      await walk(absolute, entryRel, scoped, out, signal);
    } else {
      out.push({ path: entryRel, type: 'file', size: stat.size, executable: (stat.mode & 0o111) !== 0 });
    }
  }
}

/** Deepest `.gitignore` with a matching rule decides; a negation there re-includes. */
function isIgnored(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const { base, matcher } = levels[i];
    const local = base === '' ? relPath : relPath.slice(base.length + 1);
    const verdict = matcher.test(isDir ? `${local}/` : local);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

async function readGitignore(dir: string, rel: string): Promise<string | undefined> {
  const file = path.join(dir, '.gitignore');
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  return fs
    .readFile(file, 'utf8')
    .catch((error: unknown) => Promise.reject(unreadableError(rel === '' ? '.gitignore' : `${rel}/.gitignore`, error)));
}

/** Byte order of the UTF-8 names, as Go's filepath.Walk visits them; independent of locale. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
