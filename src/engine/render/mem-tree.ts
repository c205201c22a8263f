/**
 * The rendered project in memory: what Kluctl writes to a temporary directory (rendered templates, generated
 * kustomizations, Helm output) lives here instead, under a root path that does not exist on disk. The native
 * kustomize builder reads it through TreeFs; only a fallback binary (kustomize) gets a copy on disk.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TreeEntry, TreeFs } from '../kustomize/tree-fs.js';
import { isAtOrBelow, isNormalAbsolute } from '../project/paths.js';
import { hasPrefix } from '../../util/has-prefix.js';
import type { ObservedOp, ObservedValue, TreeObservations } from './tree-observations.js';

/** Files and links are never changed in place (a write replaces the node), so copies of a tree share them. */
export type MemNode =
  | { readonly type: 'file'; readonly data: Buffer }
  | { readonly type: 'dir'; readonly children: Map<string, MemNode> }
  | { readonly type: 'link'; readonly target: string };
type Node = MemNode;

/** Symlink hops allowed while resolving one path (Linux: 40). */
const MAX_LINK_HOPS = 40;

/** `p` absolute and normalized, cheaply when it already is (the usual case). */
function norm(p: string): string {
  return isNormalAbsolute(p) ? p : path.resolve(p);
}

/** The dirs strictly above normalized absolute `p`, nearest first (`/` included). */
function* strictAncestors(p: string): Generator<string> {
  for (let at = p.lastIndexOf(path.sep); at >= 0; at = p.lastIndexOf(path.sep, at - 1)) {
    yield at === 0 ? path.sep : p.slice(0, at);
    if (at === 0) return;
  }
}

/**
 * Adds the dirs strictly above `p` to `set`, which holds the ancestors of everything in it (only ever added to):
 * the first one already there has its own ancestors there too, and the walk up stops (every write marks its dirs).
 */
function addAncestors(set: Set<string>, p: string): void {
  for (const a of strictAncestors(p)) {
    if (set.has(a)) return;
    set.add(a);
  }
}

function fsError(code: string, p: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${p}`) as NodeJS.ErrnoException;
  e.code = code;
  e.path = p;
  return e;
}

export class MemTree implements TreeFs {
  readonly root: string;
  private readonly top: Node & { type: 'dir' } = { type: 'dir', children: new Map() };

  /** While set, every read and write is recorded here (see RenderCache). */
  observations?: TreeObservations;

  /**
   * What changed in this tree other than by restoreWith(), for changedNear: the normalized paths of files and links
   * written and paths removed (`changed`), and the dirs at or above any of them (`changedBelow`); the same for
   * directories created (`createdBelow`) and for restoreWith() targets (`restored`, `restoredBelow`: strictly above).
   */
  private readonly changed = new Set<string>();
  private readonly changedBelow = new Set<string>();
  private readonly createdBelow = new Set<string>();
  private readonly restored = new Set<string>();
  private readonly restoredBelow = new Set<string>();
  /** While restoring (restoreWith), the normalized path restored: writes at or below it are not changes. */
  private restoringAt?: string;
  /** Whether changes are tracked (for changedNear): only a tree an incremental cache checks needs it. */
  private readonly tracking: boolean;

  constructor(root: string, o: { trackChanges?: boolean } = {}) {
    this.root = path.resolve(root);
    this.tracking = o.trackChanges ?? true;
  }

  /** Records read `op` of normalized `n` (while observed) and gives its result. */
  private observe<T extends ObservedValue>(op: ObservedOp, n: string, value: T): T {
    this.observations?.read(op, n, value);
    return value;
  }

  /** Replays `op` on `p` in this tree: what TreeObservations.seen would hold now (`written`: left out of listings). */
  observeAgain(op: ObservedOp, p: string, written: ReadonlySet<string>): ObservedValue {
    const saved = this.observations;
    this.observations = undefined;
    try {
      if (op === 'r') {
        try {
          return this.readFile(p);
        } catch (e) {
          return String((e as NodeJS.ErrnoException).code);
        }
      }
      if (op === 'k') return String(this.kind(p));
      if (op === 'd') return this.listing(p, written);
      return this.realpath(p);
    } finally {
      this.observations = saved;
    }
  }

  private listing(p: string, written: ReadonlySet<string>): string {
    try {
      return this.readdir(p)
        .filter((e) => written.size === 0 || !written.has(path.join(norm(p), e.name)))
        .map((e) => `${e.name}/${e.isDirectory ? 'd' : e.isFile ? 'f' : 'l'}`)
        .join('\0');
    } catch (e) {
      return `!${String((e as NodeJS.ErrnoException).code)}`;
    }
  }

  /** A copy of the subtree at `p`: its dirs copied, its files and links shared (see MemNode). */
  exportDir(p: string): MemNode | undefined {
    const node = this.lookup(p, false);
    return node && copyNode(node);
  }

  /** overlay() of what an earlier render of the same inputs wrote at `p`: not a change (see changedNear). */
  restore(p: string, node: MemNode): void {
    this.restoreWith(p, () => this.overlay(p, node));
  }

  /**
   * Runs `write`, which puts at `p` what belongs there (a render of an item's templates, or restore()'s copy of an
   * earlier one): not a change at `p` (see changedNear), but a restore there, so that the next render's check of what
   * reads only `p` needs no replay. What `write` changes elsewhere counts as a change.
   */
  restoreWith(p: string, write: () => void): void {
    if (!this.tracking) return write();
    const n = norm(p);
    this.restored.add(n);
    addAncestors(this.restoredBelow, n);
    const saved = this.restoringAt;
    this.restoringAt = n;
    try {
      write();
    } finally {
      this.restoringAt = saved;
    }
  }

  /** Whether a write at normalized `n` is part of the restore under way (restoreWith), so not a change. */
  private isRestoring(n: string): boolean {
    return this.restoringAt !== undefined && isAtOrBelow(this.restoringAt, n);
  }

  private markChanged(p: string): void {
    if (!this.tracking) return;
    const n = norm(p);
    if (this.isRestoring(n)) return;
    this.changed.add(n);
    this.changedBelow.add(n);
    addAncestors(this.changedBelow, n);
  }

  private markCreated(p: string): void {
    if (!this.tracking || this.isRestoring(p)) return;
    this.createdBelow.add(p);
    addAncestors(this.createdBelow, p);
  }

  /**
   * Whether the tree at `dir` may hold more than what one restore() at `dir` put there: a write, link or removal at,
   * below or above it, a directory created at or below it, or a restore() at another path below or above it.
   */
  changedNear(dir: string): boolean {
    if (!this.tracking) throw new Error('changedNear of a tree that does not track changes');
    const d = norm(dir);
    if (this.changedBelow.has(d) || this.createdBelow.has(d) || this.restoredBelow.has(d)) return true;
    for (const a of strictAncestors(d)) if (this.changed.has(a) || this.restored.has(a)) return true;
    return false;
  }

  /** Writes a copy of `node` at `p` over what is there, as rendering it again would (files replace, dirs merge). */
  overlay(p: string, node: MemNode): void {
    this.markChanged(p);
    if (node.type !== 'dir') {
      if (node.type === 'file') this.writeFile(p, node.data);
      else this.symlink(node.target, p);
      return;
    }
    const merge = (into: MemNode & { type: 'dir' }, from: MemNode & { type: 'dir' }): void => {
      for (const [name, child] of from.children) {
        const there = into.children.get(name);
        if (child.type === 'dir' && there?.type === 'dir') merge(there, child);
        else into.children.set(name, copyNode(child));
      }
    };
    merge(this.dirAt(p, true)!, node);
  }

  private parts(p: string): string[] | undefined {
    // Fast path (most calls): an absolute, normalized path below the root.
    if (p.length > this.root.length && hasPrefix(p, this.root) && p[this.root.length] === path.sep) {
      const parts = p.slice(this.root.length + 1).split(path.sep);
      if (parts.every((x) => x !== '' && x !== '.' && x !== '..')) return parts;
    }
    if (p === this.root) return [];
    const rel = path.relative(this.root, path.resolve(p));
    if (rel === '') return [];
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep);
  }

  /** The node at `p` without following a final symlink (intermediate ones are followed). */
  private lookup(p: string, followLast: boolean, hops = { n: 0 }): Node | undefined {
    const parts = this.parts(p);
    if (!parts) return undefined;
    let node: Node = this.top;
    for (let i = 0; i < parts.length; i++) {
      if (node.type !== 'dir') return undefined;
      const next: Node | undefined = node.children.get(parts[i]);
      if (!next) return undefined;
      if (next.type === 'link' && (followLast || i < parts.length - 1)) {
        if (++hops.n > MAX_LINK_HOPS) return undefined;
        const dir = path.join(this.root, ...parts.slice(0, i));
        const target = path.resolve(dir, next.target);
        return this.lookup(path.join(target, ...parts.slice(i + 1)), followLast, hops);
      }
      node = next;
    }
    return node;
  }

  private dirAt(p: string, create: boolean): (Node & { type: 'dir' }) | undefined {
    const parts = this.parts(p);
    if (!parts) throw fsError('EACCES', p);
    let node: Node = this.top;
    for (let i = 0; i < parts.length; i++) {
      if (node.type !== 'dir') throw fsError('ENOTDIR', p);
      let next = node.children.get(parts[i]);
      if (!next) {
        if (!create) return undefined;
        next = { type: 'dir', children: new Map() };
        node.children.set(parts[i], next);
        if (this.tracking) this.markCreated(path.join(this.root, ...parts.slice(0, i + 1)));
      }
      node = next;
    }
    if (node.type !== 'dir') throw fsError('ENOTDIR', p);
    return node;
  }

  mkdir(p: string): void {
    this.dirAt(p, true);
  }

  writeFile(p: string, data: Buffer | string): void {
    const n = norm(p);
    const [dir, name] = this.parentOf(n);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.observations?.write(n, bytes);
    this.markChanged(n);
    dir.children.set(name, { type: 'file', data: bytes });
  }

  symlink(target: string, p: string): void {
    const n = norm(p);
    const [dir, name] = this.parentOf(n);
    this.markChanged(n);
    dir.children.set(name, { type: 'link', target });
  }

  /** The dir holding normalized `n` (created as needed) and `n`'s name in it. */
  private parentOf(n: string): [Node & { type: 'dir' }, string] {
    const slash = n.lastIndexOf(path.sep);
    return [this.dirAt(slash === 0 ? path.sep : n.slice(0, slash), true)!, n.slice(slash + 1)];
  }

  /** Removes `p` and everything below it (nothing when it does not exist). */
  remove(p: string): void {
    const resolved = path.resolve(p);
    this.markChanged(resolved);
    if (resolved === this.root) return this.top.children.clear();
    const dir = this.dirAt(path.dirname(resolved), false);
    dir?.children.delete(path.basename(resolved));
  }

  readFile(p: string): Buffer {
    const node = this.lookup(p, true);
    if (!node || node.type !== 'file') {
      const code = node ? 'EISDIR' : 'ENOENT';
      if (this.observations) this.observe('r', norm(p), code);
      throw fsError(code, p);
    }
    return this.observations ? this.observe('r', norm(p), node.data) : node.data;
  }

  kind(p: string): 'file' | 'dir' | undefined {
    const node = this.lookup(p, true);
    const kind = node?.type === 'file' ? 'file' : node?.type === 'dir' ? 'dir' : undefined;
    if (this.observations) this.observe('k', norm(p), String(kind));
    return kind;
  }

  readdir(p: string): TreeEntry[] {
    if (this.observations) {
      const saved = this.observations;
      this.observations = undefined;
      const n = norm(p);
      saved.read('d', n, this.listing(n, saved.written));
      this.observations = saved;
    }
    const node = this.lookup(p, true);
    if (!node) throw fsError('ENOENT', p);
    if (node.type !== 'dir') throw fsError('ENOTDIR', p);
    return [...node.children].map(([name, n]) => ({
      name,
      isDirectory: n.type === 'dir',
      isFile: n.type === 'file',
    }));
  }

  realpath(p: string): string {
    if (!this.observations) return this.resolveLinks(p);
    const saved = this.observations;
    this.observations = undefined;
    try {
      const real = this.resolveLinks(p);
      saved.read('p', norm(p), real);
      return real;
    } finally {
      this.observations = saved;
    }
  }

  private resolveLinks(p: string, hops = 0): string {
    const parts = this.parts(p);
    if (!parts) return path.resolve(p);
    let node: Node = this.top;
    let at = this.root;
    for (let i = 0; i < parts.length; i++) {
      const next: Node | undefined = node.type === 'dir' ? node.children.get(parts[i]) : undefined;
      if (!next) return path.join(at, ...parts.slice(i));
      if (next.type === 'link') {
        if (hops >= MAX_LINK_HOPS) return path.join(at, ...parts.slice(i));
        const target = path.resolve(at, next.target);
        // A link out of the tree: the path as the disk would give it (the loader refuses it as outside the root).
        if (!this.parts(target)) return path.join(target, ...parts.slice(i + 1));
        return this.resolveLinks(path.join(target, ...parts.slice(i + 1)), hops + 1);
      }
      node = next;
      at = `${at}${path.sep}${parts[i]}`;
    }
    return at;
  }

  /** The tree below `from` (inside the root) written to the directory `to` on disk. */
  writeToDisk(from: string, to: string): void {
    const node = this.lookup(from, true);
    if (!node) return;
    const write = (n: Node, dst: string): void => {
      if (n.type === 'file') fs.writeFileSync(dst, n.data);
      else if (n.type === 'link') fs.symlinkSync(n.target, dst);
      else {
        fs.mkdirSync(dst, { recursive: true });
        for (const [name, child] of n.children) write(child, path.join(dst, name));
      }
    };
    write(node, to);
  }

  /** Files below `dir` (relative, slash-separated) and their contents; for tests and fingerprints. */
  files(dir = this.root): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    const node = this.lookup(dir, true);
    const walk = (n: Node, rel: string): void => {
      if (n.type === 'file') out.set(rel, n.data);
      else if (n.type === 'link') out.set(rel, Buffer.from(`-> ${n.target}`));
      else for (const [name, child] of n.children) walk(child, rel ? `${rel}/${name}` : name);
    };
    if (node) walk(node, '');
    return out;
  }
}

/** A copy of the dirs below `node`; files and links are shared (see MemNode). */
function copyNode(node: MemNode): MemNode {
  if (node.type !== 'dir') return node;
  return { type: 'dir', children: new Map([...node.children].map(([k, v]) => [k, copyNode(v)])) };
}
