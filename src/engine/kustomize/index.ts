/**
 * What Kluctl does with kustomize (spec §2.5 stage 3): a build as krusty runs it for Kluctl (api v0.21.1,
 * LoadRestrictionsNone within the rendered tree, plugins disabled, FIFO object order). The built-in builder
 * covers what Kluctl projects commonly use; any other kustomization field delegates to a `kustomize` binary.
 */

import type { KubeObject } from '../../kube/objects.js';
import { buildWithBinary } from './binary.js';
import { buildNative } from './build.js';
import { confineBinaryBuild } from './confine.js';
import { KustomizeError } from '../errors.js';
import { NeedsBinary } from './errors.js';
import { FileLoader, type ReadFile } from './file-loader.js';
import type { TreeFs } from './tree-fs.js';
import * as path from 'node:path';

export interface KustomizeOptions {
  /** Directory boundary (the rendered source tree root); references may leave the kustomization dir but not this root. */
  root: string;
  /** Path of a kustomize binary for what the native builder does not support; undefined = none available. */
  kustomizeBinary?: string | (() => string | undefined);
  signal?: AbortSignal;
  /**
   * How the native builder reads files (default: from disk), e.g. to decrypt SOPS files as Kluctl's kustomize
   * filesystem does. Not used by the binary.
   */
  readFile?: ReadFile;
  /** Where `root` is: the disk (default) or the render's in-memory tree. */
  tree?: TreeFs;
  /**
   * With an in-memory tree: writes the tree under `root` to a temporary directory for the binary (which needs real
   * files) and returns it; `dispose` removes it.
   */
  onDisk?: () => { root: string; dispose: () => void };
}

export interface KustomizeResult {
  objects: KubeObject[];
  /** 'native' | 'binary' */
  builder: 'native' | 'binary';
}

export async function kustomizeBuild(dir: string, options: KustomizeOptions): Promise<KustomizeResult> {
  try {
    return {
      objects: buildNative(dir, {
        files: new FileLoader(options.root, options.readFile, options.tree),
        signal: options.signal,
      }),
      builder: 'native',
    };
  } catch (e) {
    if (!(e instanceof NeedsBinary)) throw e;
    const binary = typeof options.kustomizeBinary === 'function' ? options.kustomizeBinary() : options.kustomizeBinary;
    if (!binary) {
      throw new KustomizeError(
        `'${e.field}' is not supported by the built-in kustomize, and no kustomize binary is available (set KLUCTL_KUSTOMIZE_BINARY or put kustomize on PATH)`,
        e.file,
        e.line,
        e.field,
      );
    }
    if (!options.tree || !options.onDisk) {
      confineBinaryBuild(dir, new FileLoader(options.root, options.readFile));
      return { objects: await buildWithBinary(binary, dir, options.signal), builder: 'binary' };
    }
    // The binary reads real files: the in-memory tree is written out for it, and its paths are named back.
    const copy = options.onDisk();
    const root = path.resolve(options.root);
    try {
      const diskDir = path.join(copy.root, path.relative(root, path.resolve(dir)));
      try {
        confineBinaryBuild(diskDir, new FileLoader(copy.root, options.readFile));
        return { objects: await buildWithBinary(binary, diskDir, options.signal), builder: 'binary' };
      } catch (error) {
        if (error instanceof Error) error.message = error.message.split(copy.root).join(root);
        throw error;
      }
    } finally {
      copy.dispose();
    }
  }
}
