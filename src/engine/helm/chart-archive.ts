/**
 * A chart archive (`.tgz`) read as Helm's `loader.LoadArchiveFiles` + `chartutil.Expand` do, with limits: the first
 * path component is the chart's directory and is dropped; directories, pax headers and anything but file content are
 * not written (a link becomes nothing, so nothing can point outside); absolute paths, `..` and Windows drive names are
 * rejected; a UTF-8 BOM is trimmed. Sizes are capped (compressed, expanded, per file, entry count).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ArchiveLimits {
  /** Expanded size of the whole archive (Helm: 100 MiB). */
  maxTotalBytes: number;
  /** One file (Helm: 5 MiB). */
  maxFileBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 100 * 1024 * 1024,
  maxFileBytes: 5 * 1024 * 1024,
  maxEntries: 20_000,
};

export interface ArchiveFile {
  /** Slash-separated, relative to the chart directory. */
  name: string;
  data: Buffer;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The chart's files from a gzipped tar. Throws a plain Error saying what is wrong with the archive. */
export function readChartArchive(tgz: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveFile[] {
  let tar: Buffer;
  try {
    // The tar stream itself is at most the expanded size plus its headers and padding.
    // Loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
    tar = process
      .getBuiltinModule('node:zlib')
      .gunzipSync(tgz, { maxOutputLength: limits.maxTotalBytes + limits.maxEntries * 1024 + 1024 * 1024 });
  } catch (error) {
    throw new Error(`not a valid chart archive (gzip): ${(error as Error).message}`, { cause: error });
  }
  const files: ArchiveFile[] = [];
  let total = 0;
  let entries = 0;
  let paxPath: string | undefined;
  let longName: string | undefined;
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    if (++entries > limits.maxEntries) throw new Error(`chart archive has more than ${limits.maxEntries} entries`);
    if (!checksumOk(header)) throw new Error('not a valid chart archive (tar header checksum)');
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = off + 512;
    if (size < 0 || dataStart + size > tar.length) throw new Error('not a valid chart archive (truncated tar entry)');
    const data = tar.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = paxField(data, 'path');
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    let name = longName ?? paxPath ?? headerName(header);
    longName = paxPath = undefined;
    if (type === '5' || name.endsWith('/')) continue;
    // Helm reads every other entry as a file with the entry's data: links and devices have none.
    const delimiter = name.includes('\\') ? '\\' : '/';
    const parts = name.split(delimiter);
    name = parts.slice(1).join('/');
    if (name.startsWith('/')) throw new Error('chart illegally contains absolute paths');
    name = path.posix.normalize(name).replace(/\/$/, '');
    if (name === '.' || name === '')
      throw new Error(`chart illegally contains content outside the base directory: "${parts.join('/')}"`);
    if (name.startsWith('..')) throw new Error('chart illegally references parent directory');
    if (/^[a-zA-Z]:/.test(name)) throw new Error('chart contains illegally named files');
    if (parts[0] === 'Chart.yaml') throw new Error('chart yaml not in base directory');
    if (type !== '0' && type !== '7') continue;
    if (size > limits.maxFileBytes)
      throw new Error(`chart file ${name} is larger than the limit of ${limits.maxFileBytes} bytes`);
    total += size;
    if (total > limits.maxTotalBytes)
      throw new Error(`chart archive expands to more than the limit of ${limits.maxTotalBytes} bytes`);
    const content = data.subarray(0, BOM.length).equals(BOM) ? data.subarray(BOM.length) : data;
    files.push({ name, data: Buffer.from(content) });
  }
  return files;
}

/** The chart's name from its Chart.yaml's `name:` (Helm reads the whole YAML; the name is a plain scalar). */
export function chartNameOf(files: ArchiveFile[], parseChartYaml: (text: string) => unknown): string {
  const chartYaml = files.find((f) => f.name === 'Chart.yaml');
  if (!chartYaml) throw new Error('Chart.yaml file is missing');
  const meta = parseChartYaml(chartYaml.data.toString('utf8')) as { name?: unknown } | null;
  const name = meta?.name;
  if (typeof name !== 'string' || name === '') throw new Error('chart name not specified');
  return name;
}

/** Writes the files under `dir` (files 0644, dirs 0755, as Helm); every target is checked to stay inside. */
export function writeChartFiles(dir: string, files: ArchiveFile[]): void {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  for (const f of files) {
    const target = path.resolve(root, ...f.name.split('/'));
    if (!target.startsWith(root + path.sep)) throw new Error(`chart file ${f.name} is outside the chart directory`);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    // A fresh directory from mkdtemp holds no links, and nothing written here is one: `wx` never follows one.
    fs.writeFileSync(target, f.data, { mode: 0o644, flag: 'wx' });
  }
}

function headerName(h: Buffer): string {
  const cstr = (b: Buffer) => {
    const end = b.indexOf(0);
    return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
  };
  const name = cstr(h.subarray(0, 100));
  const magic = h.subarray(257, 263).toString('latin1');
  const prefix = magic.startsWith('ustar') ? cstr(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function octal(b: Buffer): number {
  if (b[0] & 0x80) return -1; // base-256 sizes: far above any limit here
  const s = b.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return -1;
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = octal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
}

function paxField(data: Buffer, key: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < data.length;) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) break;
    const record = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === key) found = record.slice(eq + 1);
    i += len;
  }
  return found;
}
