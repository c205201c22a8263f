import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasPrefix } from '../../util/has-prefix.js';

/** Kluctl's FixPathExt: `x.yml` and `x.yaml` are interchangeable, the `.yml` one is tried first. */
export function fixPathExt(file: string): string {
  const ext = path.extname(file);
  if (ext !== '.yml' && ext !== '.yaml') return file;
  const base = file.slice(0, -ext.length);
  for (const candidate of [`${base}.yml`, `${base}.yaml`]) if (exists(candidate)) return candidate;
  return file;
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Slash-separated relative path, as Kluctl records item dirs. */
export function relSlash(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.';
}

/** Walks up to the directory holding `.git`; undefined outside a Git checkout. */
export function gitRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (exists(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Whether `p` is `root` or below it (lexically; resolve symlinks first where they matter). */
export function isInside(root: string, p: string): boolean {
  // Normal absolute paths (nearly every call) by prefix; path.relative was a third of a re-render's per-item dir
  // checks. Both branches answer alike, `..`-prefixed names included (test/unit/engine/paths.test.ts).
  if (path.sep === '/' && isNormalAbsolute(root) && isNormalAbsolute(p)) return isInsideNormal(root, p);
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * isInside for POSIX paths the caller knows to be normal absolute (isNormalAbsolute): no check of that again, and no
 * string made (it runs for every read an incremental build recorded).
 */
export function isInsideNormal(root: string, p: string): boolean {
  if (!hasPrefix(p, root)) return false;
  if (p.length === root.length) return true;
  // Below `root/` (`/` itself ends with its separator), and not a name the path.relative rule reads as `..`.
  const below = root === '/' ? 1 : root.length + 1;
  return (root === '/' || p.charCodeAt(root.length) === 47) && !p.startsWith('..', below);
}

const SEP = path.sep.charCodeAt(0);

/**
 * Whether `p` is `dir` or below it, for paths both normalized absolute on any platform, by prefix only: unlike
 * isInsideNormal, a name like `..x` below `dir` counts as below (it is there), and paths are compared as strings (a
 * case-insensitive file system may say more). For bookkeeping that stays safe when it says no.
 */
export function isAtOrBelow(dir: string, p: string): boolean {
  return (
    hasPrefix(p, dir) &&
    (p.length === dir.length || p.charCodeAt(dir.length) === SEP || dir.charCodeAt(dir.length - 1) === SEP)
  );
}

/** Whether POSIX path `p` is absolute and as path.resolve would give it: no `//`, `.` or `..` part, no trailing `/`. */
export function isNormalAbsolute(p: string): boolean {
  return p.startsWith('/') && (p === '/' || !/\/\.{0,2}(?:\/|$)/.test(p));
}

/**
 * `path.join(dir, name)` for a name from a directory listing (no separator, never `.` or `..`): a concatenation when
 * `dir` is normalized and absolute (the usual case, without join's normalising pass).
 */
export function entryPath(dir: string, name: string): string {
  if (dir === '/') return `/${name}`;
  return isNormalAbsolute(dir) ? `${dir}/${name}` : path.join(dir, name);
}

/** Symlinks followed per secureJoin, as filepath-securejoin's limit. */
const MAX_SYMLINKS = 255;

/**
 * Kluctl's securejoin.SecureJoin(root, unsafePath): joins `unsafePath` to `root` resolving every symlink on the way
 * as if `root` were the file system root, so the result is always inside `root`: `..` stops at the root, and a
 * link to `/etc` or `../../outside` lands on `<root>/etc` or `<root>/outside` (which normally does not exist)
 * instead of leaving the project. Missing components are taken as they are.
 */
export function secureJoin(root: string, unsafePath: string): string {
  let current = '';
  let remaining = unsafePath.split(path.sep).join('/');
  let links = 0;
  while (remaining !== '') {
    const slash = remaining.indexOf('/');
    const part = slash < 0 ? remaining : remaining.slice(0, slash);
    remaining = slash < 0 ? '' : remaining.slice(slash + 1);
    const next = path.posix.join('/', current, part);
    if (next === '/') {
      current = '';
      continue;
    }
    const full = path.join(root, next);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    if (!stat?.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++links > MAX_SYMLINKS)
      throw new Error(`SecureJoin ${path.join(root, unsafePath)}: too many levels of symbolic links`);
    const dest = fs.readlinkSync(full).split(path.sep).join('/');
    remaining = remaining === '' ? dest : `${dest}/${remaining}`;
    if (dest.startsWith('/')) current = '';
  }
  return path.join(root, ...current.split('/').filter(Boolean));
}

/**
 * The real path (symlinks resolved) of `p`, or of its longest existing prefix joined with the rest. The system's
 * realpath(3): one call, where Node's own walks the path with an lstat per component (3-4x slower per item dir).
 */
export function realpath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realpath(parent), path.basename(p));
  }
}
