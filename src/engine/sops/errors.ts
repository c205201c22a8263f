/** A SOPS file that cannot be read or decrypted; the message names the file. */
export class SopsError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`failed to decrypt file ${file}: ${detail}`);
    this.name = 'SopsError';
  }
}
