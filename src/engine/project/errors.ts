/** An error in a project file, naming the file (and the line when known), as `file:line: message`. */
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
