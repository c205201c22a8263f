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

/** Thrown inside the native builder for what only a kustomize binary can build; never leaves this module. */
export class NeedsBinary extends Error {
  constructor(
    readonly field: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(`'${field}' is not supported by the built-in kustomize`);
    this.name = 'NeedsBinary';
  }
}
