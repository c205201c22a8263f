/** Text measured in Unicode code points, as Python's `len` and go-yaml's column count measure it. */

/** `Array.from(s).length` without the array: a surrogate pair counts once, a lone surrogate once. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
