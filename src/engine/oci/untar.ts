/**
 * Unpacking an artifact's `.tar.gz` layer as kluctl does (flux's `tar.Untar` with `WithSkipSymlinks`): regular files
 * and directories only, symlinks skipped, every other entry type refused, no absolute names, no `..`, no
 * backslashes. Bounded here also by the unpacked size and the number of entries; files are written with mode
 * 0644/0755 only (no set-uid bits), never through an existing link.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface UntarLimits {
  /** Unpacked bytes (the tar stream, headers included). */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_UNTAR_LIMITS: UntarLimits = { maxBytes: 512 * 1024 * 1024, maxEntries: 100_000 };

export interface TarEntry {
  name: string;
  /** '0' regular, '5' dir, '2' symlink, '1' hard link, … */
  type: string;
  mode: number;
  data: Buffer;
}

function octal(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  if (field[0] & 0x80) {
    // base-256 (GNU): big-endian, positive only here
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

function cstring(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(i, space).toString('latin1'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) throw new Error('invalid PAX header');
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/** The entries of a (gzip-compressed) tar stream, within the limits. */
export function readTarGz(gz: Buffer, limits: UntarLimits = DEFAULT_UNTAR_LIMITS): TarEntry[] {
  let tar: Buffer;
  try {
    // Loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
    tar = process.getBuiltinModule('node:zlib').gunzipSync(gz, { maxOutputLength: limits.maxBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger/.test((error as Error).message))
      throw new Error(`the archive unpacks to more than the limit of ${limits.maxBytes} bytes`, { cause: error });
    throw new Error(`requires gzip-compressed body: ${(error as Error).message}`, { cause: error });
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (sum !== octal(header, 148, 8)) throw new Error(`tar error: invalid header checksum at offset ${offset}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const size = octal(header, 124, 12);
    const dataStart = offset + 512;
    if (!Number.isSafeInteger(size) || size < 0 || dataStart + size > tar.length)
      throw new Error(`tar error: truncated entry at offset ${offset}`);
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') {
      globalPax = parsePax(data);
      continue;
    }
    if (type === 'L') {
      longName = cstring(data, 0, data.length);
      continue;
    }
    if (type === 'K') continue; // a GNU long link name: links are never written
    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? cstring(header, 345, 155) : '';
    let name = cstring(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    name = pax.get('path') ?? globalPax.get('path') ?? longName ?? name;
    pax = new Map();
    longName = undefined;
    if (entries.length >= limits.maxEntries)
      throw new Error(`the archive has more than the limit of ${limits.maxEntries} entries`);
    entries.push({ name, type, mode: octal(header, 100, 8), data });
  }
  return entries;
}

/** flux's `validRelPath`: no `\`, not absolute, no `../` (after cleaning). */
function validRelPath(p: string): boolean {
  if (p === '' || p.includes('\\') || p.startsWith('/') || p.includes('\0')) return false;
  return !path.posix
    .normalize(p)
    .split('/')
    .some((c) => c === '..');
}

/**
 * Writes the entries under `dir` (which must not exist yet or be empty): regular files and dirs; symlinks are
 * skipped as kluctl does; hard links, devices and FIFOs are refused.
 */
export function extractEntries(entries: TarEntry[], dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const root = fs.realpathSync(dir);
  for (const e of entries) {
    if (!validRelPath(e.name)) throw new Error(`tar contained invalid name error "${e.name}"`);
    const rel = path.posix.normalize(e.name).replace(/\/$/, '');
    if (rel === '.' || rel === '') continue;
    const abs = path.join(root, ...rel.split('/'));
    if (e.type === '2') continue; // symlink: skipped, as kluctl's WithSkipSymlinks
    if (e.type !== '0' && e.type !== '7' && e.type !== '5')
      throw new Error(`tar file entry ${e.name} contained unsupported file type '${e.type}'`);
    // Nothing on the way may be a link (an earlier entry cannot have made one: links are never written).
    const parent = e.type === '5' ? abs : path.dirname(abs);
    fs.mkdirSync(parent, { recursive: true, mode: 0o755 });
    if (fs.realpathSync(parent) !== parent) throw new Error(`tar file entry ${e.name} leads out of the archive`);
    if (e.type === '5') continue;
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new Error(`tar file entry ${e.name} overwrites a directory or link`);
    if (st) fs.unlinkSync(abs);
    const fd = fs.openSync(
      abs,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      e.mode & 0o111 ? 0o755 : 0o644,
    );
    try {
      fs.writeSync(fd, e.data);
    } finally {
      fs.closeSync(fd);
    }
  }
}
