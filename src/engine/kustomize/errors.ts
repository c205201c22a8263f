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
