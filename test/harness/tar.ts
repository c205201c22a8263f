import * as zlib from 'node:zlib';

/**
 * One ustar entry (header + padded data), written by hand so that tests can make hostile archives (links, `..`,
 * absolute names) that no tar tool would write.
 */
export function tarEntry(name: string, data: string | Buffer, type = '0', linkname = ''): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** The entries as a gzipped tar (with the two zero blocks that end an archive). */
export const tarGz = (...entries: Buffer[]): Buffer => zlib.gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
