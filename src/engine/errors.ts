/**
 * The engine's errors about its input, each naming the file (and the line when known) as `file:line: message`.
 * They live here, below every engine directory, so the YAML loaders (engine/yaml) throw them without importing the
 * project or kustomize code that uses those loaders.
 */

/** An error in a project file (`.kluctl.yaml`, `deployment.yaml`, vars files, Helm chart configs). */
export class ProjectError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${detail}` : detail);
    this.name = 'ProjectError';
  }
}

/** A kustomize build failure; names the file (and line when known) it is about. */
export class KustomizeError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    /** The kustomization field the builder does not support, when that is the reason. */
    readonly field?: string,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
    this.name = 'KustomizeError';
  }
}
