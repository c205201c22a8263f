/** Reading a file together with its stat. */

import * as fs from 'node:fs';

/**
 * A file's bytes and the stat of what they were read from: fstat of the same descriptor, so one path lookup serves
 * both (a read then a stat by path costs a second one). Reads as fs.readFileSync does: the size the stat gives, or
 * to the end for a file that reports none.
 */
export function readFileWithStat(p: string): { bytes: Buffer; stat: fs.Stats } {
  const fd = fs.openSync(p, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile() && stat.size > 0) {
      const bytes = Buffer.allocUnsafe(stat.size);
      let at = 0;
      for (let n = -1; at < bytes.length && n !== 0; at += n) n = fs.readSync(fd, bytes, at, bytes.length - at, null);
      return { bytes: at === bytes.length ? bytes : bytes.subarray(0, at), stat };
    }
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
    }
    return { bytes: Buffer.concat(chunks), stat };
  } finally {
    fs.closeSync(fd);
  }
}
