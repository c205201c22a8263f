import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Header, Pax } from 'tar';
import { ArtifactTooLargeError, unreadableError, type SizedFile } from './errors.js';
import { listSourceTree, type TreeEntry } from './sourceTree.js';
import { CancelledError } from '../../util/errors.js';

/** The controller accepts at most 32 MiB (its gRPC limit is this plus 1 KiB of framing). */
export const MAX_ARTIFACT_BYTES = 32 * 1024 * 1024;
/** The controller untars at most 64 MiB of file contents. */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

const BLOCK = 512;
const EPOCH = new Date(0);
const gzip = promisify(zlib.gzip);

export interface ArtifactLimits {
  maxArtifactBytes: number;
  maxUnpackedBytes: number;
}

export interface Artifact {
  /** The tar.gz. */
  data: Buffer;
  /** Entry names in archive order; directories end with `/`. */
  entries: string[];
  files: number;
  /** Sum of the file sizes, as the controller counts it against its limit. */
  unpackedBytes: number;
}

/**
 * A snapshot of a Git working tree as the tar.gz Kluctl's CLI uploads: what `listSourceTree` keeps, with
 * relative forward-slash names, zero uid/gid, empty owner names, zero mtimes and modes reduced to what Git
 * tracks (0755 for directories and executables, else 0644), so the same tree always gives the same bytes.
 * Plain ustar entries only (pax records for long or non-ASCII names); never links.
 */
export async function buildArtifact(
  gitRoot: string,
  options: { signal?: AbortSignal; limits?: Partial<ArtifactLimits> } = {},
): Promise<Artifact> {
  const limits: ArtifactLimits = {
    maxArtifactBytes: MAX_ARTIFACT_BYTES,
    maxUnpackedBytes: MAX_UNPACKED_BYTES,
    ...options.limits,
  };
  const entries = await listSourceTree(gitRoot, options.signal);
  const files = entries.filter((e) => e.type === 'file');
  const unpackedBytes = files.reduce((sum, f) => sum + f.size, 0);
  if (unpackedBytes > limits.maxUnpackedBytes) {
    throw tooLarge(
      `its files hold ${formatBytes(unpackedBytes)}, more than the controller unpacks (${formatBytes(limits.maxUnpackedBytes)})`,
      files,
    );
  }

  const blocks: Buffer[] = [];
  let readBytes = 0;
  for (const entry of entries) {
    if (options.signal?.aborted) throw new CancelledError('source override');
    const content = entry.type === 'file' ? await readFile(gitRoot, entry) : undefined;
    readBytes += content?.length ?? 0;
    // Files may grow between listing and reading.
    if (readBytes > limits.maxUnpackedBytes)
      throw tooLarge(
        `its files hold more than the controller unpacks (${formatBytes(limits.maxUnpackedBytes)})`,
        files,
      );
    blocks.push(...entryBlocks(entry, content));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  const data = await gzip(Buffer.concat(blocks), { level: zlib.constants.Z_BEST_COMPRESSION });
  if (data.length > limits.maxArtifactBytes) {
    throw tooLarge(
      `it compresses to ${formatBytes(data.length)}, more than the controller accepts (${formatBytes(limits.maxArtifactBytes)})`,
      files,
    );
  }
  return { data, entries: entries.map(archiveName), files: files.length, unpackedBytes: readBytes };
}

function entryBlocks(entry: TreeEntry, content: Buffer | undefined): Buffer[] {
  const name = archiveName(entry);
  const size = content?.length ?? 0;
  const header = new Header({
    path: name,
    type: entry.type === 'directory' ? 'Directory' : 'File',
    mode: entry.type === 'directory' || entry.executable ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size,
    mtime: EPOCH,
  });
  const needsPax = header.encode();
  const blocks: Buffer[] = needsPax ? [new Pax({ path: name }).encode()] : [];
  blocks.push(header.block!);
  if (content && size > 0) {
    blocks.push(content);
    if (size % BLOCK !== 0) blocks.push(Buffer.alloc(BLOCK - (size % BLOCK)));
  }
  return blocks;
}

function archiveName(entry: TreeEntry): string {
  return entry.type === 'directory' ? `${entry.path}/` : entry.path;
}

async function readFile(root: string, entry: TreeEntry): Promise<Buffer> {
  const file = path.join(root, ...entry.path.split('/'));
  return fs.readFile(file).catch((error: unknown) => Promise.reject(unreadableError(entry.path, error)));
}

const LARGEST_SHOWN = 5;

function tooLarge(why: string, files: TreeEntry[]): ArtifactTooLargeError {
  const largest: SizedFile[] = [...files]
    .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    .slice(0, LARGEST_SHOWN)
    .map((f) => ({ path: f.path, size: f.size }));
  const list = largest.map((f) => `${f.path} (${formatBytes(f.size)})`).join(', ');
  return new ArtifactTooLargeError(
    `the working tree is too large for a source override: ${why}. Largest files: ${list}. Add what the deployment does not need to .gitignore.`,
    largest,
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
