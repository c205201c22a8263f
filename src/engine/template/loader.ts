/**
 * Kluctl's template loader (spec §3.4): `./x` and `../x` are relative to the including template's name; any other
 * name is looked up in the search dirs in order (also from nested includes); absolute names only under a search dir.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInside, realpath } from '../project/paths.js';
import { templateNotFound } from './python/errors.js';
import type { Loader } from './runtime/environment.js';

/**
 * Sees every file a template lookup probes (found or not) and reads, while set: the incremental render records
 * with it which files a rendered item depends on besides its own.
 */
export const loaderObserver: { probe?: (file: string) => void } = {};

export class SearchPathLoader implements Loader {
  constructor(
    private readonly searchDirs: readonly string[],
    /** The file being rendered; it is loadable even when it is outside the search dirs. */
    private readonly rootTemplate?: string,
    /** The root template's content, read once by the renderer. */
    private readonly rootBytes?: Buffer,
  ) {}

  joinPath(name: string, parent: string): string {
    if (!name.startsWith('./') && !name.startsWith('../')) return name;
    return path.posix.normalize(path.posix.join(path.posix.dirname(parent), name));
  }

  find(name: string): string | undefined {
    if (name === this.rootTemplate) return name;
    if (path.isAbsolute(name)) {
      const abs = path.resolve(name);
      return this.searchDirs.some((dir) => abs.startsWith(path.resolve(dir) + path.sep)) && this.confined(abs)
        ? abs
        : undefined;
    }
    const pieces: string[] = [];
    for (const piece of name.split('/')) {
      if (piece === '..') return undefined;
      if (piece && piece !== '.') pieces.push(piece);
    }
    return this.searchDirs
      .map((dir) => path.posix.join(dir, ...pieces))
      .find((f) => (loaderObserver.probe?.(f), isFile(f)) && this.confined(f));
  }

  private realSearchDirs?: string[];

  /**
   * A template found through a search dir must really be inside one (symlinks resolved): a symlinked vars file or
   * include pointing out of the project is not found, so nothing outside the project is read.
   */
  private confined(file: string): boolean {
    this.realSearchDirs ??= this.searchDirs.map((d) => realpath(d));
    return isInsideAny(this.realSearchDirs, file);
  }

  read(file: string): Buffer {
    if (file === this.rootTemplate && this.rootBytes) return this.rootBytes;
    loaderObserver.probe?.(file);
    try {
      return fs.readFileSync(file);
    } catch {
      throw templateNotFound(file);
    }
  }
}

export function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether the real path of `file` (symlinks resolved) is inside one of `realDirs` (real paths already). */
export function isInsideAny(realDirs: readonly string[], file: string): boolean {
  const real = realpath(file);
  return realDirs.some((dir) => isInside(dir, real));
}
