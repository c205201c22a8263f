/**
 * A Python exception raised while rendering (`TypeError`, `UndefinedError`, `TemplateSyntaxError`, …).
 * The template name and line are filled in once, by the innermost template frame that sees the error.
 */
export class PyError extends Error {
  templateName?: string;
  line?: number;

  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

export const typeError = (message: string): PyError => new PyError('TypeError', message);
export const valueError = (message: string): PyError => new PyError('ValueError', message);
export const undefinedError = (message: string): PyError => new PyError('UndefinedError', message);
export const syntaxError = (message: string, line: number): PyError =>
  Object.assign(new PyError('TemplateSyntaxError', message), { line });
export const templateNotFound = (name: string): PyError => new PyError('TemplateNotFound', name);
