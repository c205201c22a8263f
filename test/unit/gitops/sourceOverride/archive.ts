import { Parser, type ReadEntry } from 'tar';

/** One tar entry as a reader sees it, header fields included. */
export interface ArchiveEntry {
  path: string;
  type: string;
  size: number;
  mode: number;
  uid: number | undefined;
  gid: number | undefined;
  uname: string | undefined;
  gname: string | undefined;
  mtime: Date | undefined;
  content: string;
}

/** Reads a tar.gz completely (test helper). */
export function readArchive(data: Buffer): Promise<ArchiveEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: ArchiveEntry[] = [];
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () =>
          entries.push({
            path: entry.path,
            type: entry.type,
            size: entry.size ?? 0,
            mode: entry.mode ?? 0,
            uid: entry.uid,
            gid: entry.gid,
            uname: entry.uname,
            gname: entry.gname,
            mtime: entry.mtime,
            content: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(entries));
    parser.end(data);
  });
}
