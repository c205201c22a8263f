/**
 * What one kustomize build read of the rendered tree (MemTree) and wrote to it, so that RenderCache can tell whether
 * the build would do the same on a later tree. Recording is on the hot path of every build the cache runs (some
 * fifty reads an item), so a read is only appended to a log; the log is folded into one map per operation when a
 * replay first needs it (RenderCache's full check), which most builds never do.
 */

import { isAtOrBelow } from '../project/paths.js';

/** The operations a build's reads are recorded by: readFile, kind, readdir (a listing), realpath. */
export type ObservedOp = 'r' | 'k' | 'd' | 'p';
export const OBSERVED_OPS: readonly ObservedOp[] = ['r', 'k', 'd', 'p'];

/** A read's result as recorded: a file's bytes, or an error code, kind, listing or real path. */
export type ObservedValue = Buffer | string;

/** A write in the log (its bytes are in `writes`). */
const WRITE = 'w';

export class TreeObservations {
  /** Reads and writes in order, three slots each: the op (WRITE for a write), the normalized path, the result. */
  private log: Array<ObservedValue | undefined> = [];
  private folded?: Record<ObservedOp, Map<string, ObservedValue>>;
  /** What the build wrote (normalized paths), in order: made again when the build is reused. */
  readonly writes: [string, Buffer][] = [];
  /** The paths of `writes`. */
  readonly written = new Set<string>();
  /**
   * Whether every read was local to `dir`: at or below it, or the realpath or kind of a dir above it (a change there
   * is one MemTree.changedNear sees; a listing there would also see other items). Judged by prefix, so a path it
   * misses only makes the build non-local, which is safe.
   */
  local = true;

  /** `dir`: the normalized absolute dir of the item whose build is observed. */
  constructor(readonly dir: string) {}

  /** Records read `op` of normalized `n` and its result. */
  read(op: ObservedOp, n: string, value: ObservedValue): void {
    this.log.push(op, n, value);
    if (this.local && !isAtOrBelow(this.dir, n) && !((op === 'p' || op === 'k') && isAtOrBelow(n, this.dir)))
      this.local = false;
  }

  /** Records a write of `bytes` to normalized `n`. */
  write(n: string, bytes: Buffer): void {
    this.log.push(WRITE, n, undefined);
    this.writes.push([n, bytes]);
    this.written.add(n);
  }

  /**
   * Per operation, each path's first read and its result, leaving out reads of a path the build had written before
   * (they follow from the build's other reads). Folded from the log once; the log is then dropped.
   */
  seen(): Readonly<Record<ObservedOp, ReadonlyMap<string, ObservedValue>>> {
    if (this.folded) return this.folded;
    const seen: Record<ObservedOp, Map<string, ObservedValue>> = {
      r: new Map(),
      k: new Map(),
      d: new Map(),
      p: new Map(),
    };
    const writtenSoFar = new Set<string>();
    const log = this.log;
    for (let i = 0; i < log.length; i += 3) {
      const op = log[i] as ObservedOp | typeof WRITE;
      const n = log[i + 1] as string;
      if (op === WRITE) writtenSoFar.add(n);
      else if (!writtenSoFar.has(n) && !seen[op].has(n)) seen[op].set(n, log[i + 2]!);
    }
    this.log = [];
    return (this.folded = seen);
  }
}
