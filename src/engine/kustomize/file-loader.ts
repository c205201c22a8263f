/**
 * File access for a build: like Kluctl's kustomize filesystem, paths may leave the kustomization directory
 * (LoadRestrictionsNone) but not the root of the rendered source tree.
 */

import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import { entryPath, isInside } from '../project/paths.js';
import { diskFs, type TreeFs } from './tree-fs.js';

/** Reads a file's content; lets the caller decrypt or otherwise transform what the build sees. */
export type ReadFile = (file: string) => Buffer;

export class FileLoader {
  readonly root: string;

  constructor(
    root: string,
    private readonly readFile?: ReadFile,
    /** Where the files are: the disk, or the render's in-memory tree. */
    readonly fs: TreeFs = diskFs,
  ) {
    this.root = fs.realpath(path.resolve(root));
  }

  /** The absolute path of `p` (relative to `baseDir`), refused when it leaves the root; `from` is where `p` is written. */
  resolve(baseDir: string, p: string, from?: { file: string; line?: number }): string {
    // A plain name in an absolute dir (nearly every resource of a kustomization) without path.resolve's pass.
    const abs = isPlainName(p) && path.isAbsolute(baseDir) ? entryPath(baseDir, p) : path.resolve(baseDir, p);
    const real = this.fs.realpath(abs);
    if (!isInside(this.root, real)) {
      throw new KustomizeError(`'${p}' is outside of the root ${this.root}`, from?.file ?? baseDir, from?.line);
    }
    return real;
  }

  read(file: string): Buffer {
    try {
      return this.readFile ? this.readFile(file) : this.fs.readFile(file);
    } catch (e) {
      // Errors of the read hook (e.g. a SOPS file that cannot be decrypted) name the file themselves.
      if (e instanceof KustomizeError || (e as NodeJS.ErrnoException).code === undefined) throw e;
      throw new KustomizeError(
        `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        file,
      );
    }
  }

  /** Whether the read hook changes what a plain read of `file` gives (a decrypted SOPS file). */
  isTransformed(file: string): boolean {
    return this.readFile !== undefined && !this.read(file).equals(this.fs.readFile(file));
  }

  kind(p: string): 'file' | 'dir' | undefined {
    return this.fs.kind(p);
  }
}

/** A name that path.resolve would append as it is: no separator, not empty, `.` or `..`. */
const isPlainName = (p: string): boolean =>
  p !== '' && p !== '.' && p !== '..' && !p.includes('/') && (path.sep === '/' || !p.includes(path.sep));
