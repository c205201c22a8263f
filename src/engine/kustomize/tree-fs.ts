/**
 * The file system a build reads: the disk, or the render pipeline's in-memory tree of rendered files (so a render
 * writes no temporary copy of the project). Only what kustomize and Kluctl's generated kustomization need.
 */

import * as fs from 'node:fs';
import { realpath } from '../project/paths.js';

export interface TreeEntry {
  name: string;
  /** Like Dirent: a symlink is neither (it is not followed). */
  isDirectory: boolean;
  isFile: boolean;
}

export interface TreeFs {
  /** The content of a file (symlinks followed); throws an error with `code` 'ENOENT' or 'EISDIR' otherwise. */
  readFile(p: string): Buffer;
  /** What `p` is, symlinks followed; undefined when it does not exist. */
  kind(p: string): 'file' | 'dir' | undefined;
  /** The entries of a directory, unsorted. */
  readdir(p: string): TreeEntry[];
  /** The path with symlinks resolved; a missing tail is kept as written. */
  realpath(p: string): string;
}

export const diskFs: TreeFs = {
  readFile: (p) => fs.readFileSync(p),
  kind(p) {
    try {
      const st = fs.statSync(p);
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
    } catch {
      return undefined;
    }
  },
  readdir: (p) =>
    fs
      .readdirSync(p, { withFileTypes: true })
      .map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() })),
  realpath,
};
