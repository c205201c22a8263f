/**
 * The engine's errors about its input, each naming the file (and the line when known) as `file:line: message`.
 * They live here, below every engine directory, so the YAML loaders (engine/yaml) throw them without importing the
 * project or kustomize code that uses those loaders. Both are `FileError`s (util/errors.ts), the one format of
 * `file:line: detail`.
 */

import { FileError } from '../util/errors.js';

/** An error in a project file (`.kluctl.yaml`, `deployment.yaml`, vars files, Helm chart configs). */
export class ProjectError extends FileError {
  constructor(file: string | undefined, line: number | undefined, detail: string, options?: ErrorOptions) {
    super(file, line, detail, options);
    this.name = 'ProjectError';
  }
}

/** A kustomize build failure; names the file (and line when known) it is about. */
export class KustomizeError extends FileError {
  constructor(
    message: string,
    file?: string,
    line?: number,
    /** The kustomization field the builder does not support, when that is the reason. */
    readonly field?: string,
  ) {
    super(file, line, message);
    this.name = 'KustomizeError';
  }
}
