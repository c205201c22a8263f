/**
 * Strict UTF-8 decoding: project files with invalid bytes are an error (as kluctl's Python and Go readers make
 * them), never text with U+FFFD replacements that would deploy data differing from the file.
 */

const STRICT = new TextDecoder('utf-8', { fatal: true });

/** The text, or undefined when the bytes are not valid UTF-8. A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface InvalidUtf8 {
  /** Byte offset and 1-based line of the first invalid sequence. */
  offset: number;
  line: number;
  byte: number;
}

/** Where the first invalid sequence is, for the error message (only called once decoding failed). */
export function findInvalidUtf8(bytes: Uint8Array): InvalidUtf8 | undefined {
  let line = 1;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b === 0x0a) line++;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > bytes.length || decodeUtf8(bytes.subarray(i, i + n)) === undefined)
      return { offset: i, line, byte: b };
    i += n;
  }
  return undefined;
}

/** Python's wording, as Jinja2's loader reports it in kluctl. */
export function pythonDecodeMessage(bytes: Uint8Array): string {
  const bad = findInvalidUtf8(bytes);
  if (!bad) return "'utf-8' codec can't decode the input";
  const hex = bad.byte.toString(16).padStart(2, '0');
  const b = bad.byte;
  const reason =
    (b >= 0x80 && b <= 0xc1) || b >= 0xf5
      ? 'invalid start byte'
      : bad.offset + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > bytes.length
        ? 'unexpected end of data'
        : 'invalid continuation byte';
  return `'utf-8' codec can't decode byte 0x${hex} in position ${bad.offset}: ${reason}`;
}
