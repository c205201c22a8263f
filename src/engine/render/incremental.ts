/**
 * Incremental render: what a render computed per item (its rendered templates, its kustomize build), kept with the
 * inputs that produced it, so that the next render of the same project (the editor's warm API) only renders again
 * the items whose inputs changed. The project, its vars and the item list are loaded anew every time (cheap); an
 * item's entries are reused only when every input is unchanged:
 * - templates: the item's vars, search dirs and dirs, and every file the render read or probed (the item's own
 *   files and dirs, `.templateignore` files above it, includes and `load_template` files found or looked for);
 * - kustomize: the item's config, and every read of the rendered tree the build made (other items' rendered files
 *   included), compared with the new tree; a build that read only its own item's dir needs no comparison while that
 *   dir holds exactly the same template entry's files again (the quick check, see build).
 * Files are compared by content (SHA-1); an unchanged stat (inode, size, mtime, ctime) stands for unchanged content
 * only when the file was last changed well before it was read (a change in the same clock tick as the read would
 * not show in the stat). An item's own files (up to MAX_KEPT_BYTES each) and dir listings are kept with their
 * dependencies, so that rendering an item again from unchanged files (an args edit) reads none of them from disk.
 * The result equals a full render byte for byte (test/unit/engine/render/incremental.test.ts).
 * Not cached: templates that read the clock or the environment beyond the vars (Kluctl's `now`-like functions give a
 * new value on every render), and builds that needed a kustomize binary.
 */

import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../../kube/objects.js';
import { deepCopy } from '../yaml/kustomize.js';
import { isNormalAbsolute } from '../project/paths.js';
import { readFileWithStat } from '../../util/read-file.js';
import type { MemNode, MemTree } from './mem-tree.js';
import { OBSERVED_OPS, TreeObservations } from './tree-observations.js';

/** A change whose ctime is this close to the time it was recorded may hide in the stat. */
const RACY_MS = 2000;
/** Entries kept at most; a project with more items than this is rendered fully beyond it. */
const MAX_ENTRIES = 20_000;

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('base64');

interface FileDep {
  /** 'm' missing, 'f:<sha1>' file, 'd:<sha1 of listing>' directory. */
  fingerprint: string;
  stat?: StatKey;
  trusted: boolean;
  /** A file's content, kept when it was read through FileDeps.readFile (see there). */
  bytes?: Buffer;
  /** A directory's listing, kept when it was read through FileDeps.readdir. */
  entries?: fs.Dirent[];
}

/** Files larger than this are read from disk again rather than kept with their dependency. */
const MAX_KEPT_BYTES = 1024 * 1024;

function statOf(p: string): fs.Stats | undefined {
  return fs.statSync(p, { throwIfNoEntry: false });
}

const absolute = (p: string): string => (isNormalAbsolute(p) ? p : path.resolve(p));

/** Times in ms with their sub-ms fraction; a change they miss is caught by the racy rule (RACY_MS). */
interface StatKey {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}
const statKey = (st: fs.Stats): StatKey => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
/** Trusted and the same stat: the same content (see RACY_MS). */
const stillHolds = (dep: FileDep | undefined, st: fs.Stats): boolean =>
  dep !== undefined &&
  dep.trusted &&
  dep.stat !== undefined &&
  dep.stat.ino === st.ino &&
  dep.stat.size === st.size &&
  dep.stat.mtimeMs === st.mtimeMs &&
  dep.stat.ctimeMs === st.ctimeMs;

function listingFingerprint(dir: string, listing?: fs.Dirent[]): string {
  const entries = (listing ?? fs.readdirSync(dir, { withFileTypes: true })).map((e) => {
    const type = e.isDirectory() ? 'd' : e.isFile() ? 'f' : e.isSymbolicLink() ? 'l' : 'o';
    return `${e.name}/${type}${type === 'l' ? fs.readlinkSync(path.join(dir, e.name)) : ''}`;
  });
  return `d:${sha1(entries.sort().join('\0'))}`;
}

/** What was read of a file or dir, to be kept with its dependency (FileDeps.readFile, FileDeps.readdir). */
interface Read {
  bytes?: Buffer;
  entries?: fs.Dirent[];
}

/**
 * `knownStat`: the stat of what `read` holds, taken before it was read (a later change shows in a later stat);
 * null when `p` is known not to exist.
 */
function depOf(
  p: string,
  racyMs: number,
  read: Read = {},
  previous?: FileDep,
  knownStat?: fs.Stats | null,
  keep = false,
): FileDep {
  const recorded = Date.now();
  const st = knownStat === null ? undefined : (knownStat ?? statOf(p));
  if (!st) return { fingerprint: 'm', trusted: false };
  const kept: Read = {};
  if (keep && read.bytes && read.bytes.length <= MAX_KEPT_BYTES) kept.bytes = read.bytes;
  if (keep && read.entries) kept.entries = read.entries;
  // The same content, so the same fingerprint, and still trusted.
  if (previous && stillHolds(previous, st))
    return (kept.bytes && !previous.bytes) || (kept.entries && !previous.entries) ? { ...previous, ...kept } : previous;
  let fingerprint: string;
  try {
    fingerprint = st.isDirectory()
      ? listingFingerprint(p, read.entries)
      : st.isFile()
        ? `f:${sha1(read.bytes ?? fs.readFileSync(p))}`
        : 'o';
  } catch {
    fingerprint = '?';
  }
  return { fingerprint, stat: statKey(st), trusted: recorded - st.ctimeMs > racyMs, ...kept };
}

/** The files one stage read, with their fingerprints. */
export class FileDeps {
  readonly deps = new Map<string, FileDep>();

  /**
   * `previous`: the deps of the entry this render replaces (its inputs changed, e.g. an args edit). A file whose
   * trusted stat is still the same keeps its fingerprint from there: not hashed again.
   */
  constructor(
    private readonly previous?: FileDeps,
    /** See RACY_MS. */
    private readonly racyMs = RACY_MS,
  ) {}

  /**
   * Records `p` (a file read with `bytes`, with the stat of what was read when known, or anything probed); the first
   * record of a path wins.
   */
  record(p: string, bytes?: Buffer, stat?: fs.Stats | null): void {
    const abs = absolute(p);
    if (!this.deps.has(abs)) this.deps.set(abs, depOf(abs, this.racyMs, { bytes }, this.previous?.deps.get(abs), stat));
  }

  /**
   * Reads file `p` and records it. A file the entry this render replaces read, whose trusted stat is still the same,
   * has the same content (the rule that lets its fingerprint stand, see RACY_MS): its kept bytes are used, so an
   * args edit, which renders every item again from the same files, costs a stat per file instead of a read.
   */
  readFile(p: string): Buffer {
    const abs = absolute(p);
    const previous = this.previous?.deps.get(abs);
    if (previous?.trusted && previous.bytes) {
      const st = statOf(abs);
      if (st && stillHolds(previous, st)) return this.reuse(abs, previous, previous.bytes);
    }
    const read = readFileWithStat(abs);
    if (!this.deps.has(abs)) this.deps.set(abs, depOf(abs, this.racyMs, read, previous, read.stat, true));
    return read.bytes;
  }

  /** Lists dir `p` (with file types) and records it; a listing is kept and used again as readFile's bytes are. */
  readdir(p: string): fs.Dirent[] {
    const abs = absolute(p);
    const previous = this.previous?.deps.get(abs);
    const st = statOf(abs);
    if (st && previous?.entries && stillHolds(previous, st)) return this.reuse(abs, previous, previous.entries);
    const entries = fs.readdirSync(abs, { withFileTypes: true });
    if (!this.deps.has(abs)) this.deps.set(abs, depOf(abs, this.racyMs, { entries }, previous, st ?? null, true));
    return entries;
  }

  /** Records the replaced entry's `dep` of `abs` as this render's, and gives what it kept. */
  private reuse<T>(abs: string, dep: FileDep, kept: T): T {
    if (!this.deps.has(abs)) this.deps.set(abs, dep);
    return kept;
  }

  /** Whether every file still has the recorded content; refreshes stats that only changed in time. */
  unchanged(): boolean {
    for (const [p, dep] of this.deps) {
      const st = statOf(p);
      if (!st) {
        if (dep.fingerprint !== 'm') return false;
        continue;
      }
      if (stillHolds(dep, st)) continue;
      const now = depOf(p, this.racyMs);
      if (now.fingerprint !== dep.fingerprint) return false;
      this.deps.set(p, now);
    }
    return true;
  }
}

interface TemplateEntry {
  inputs: string;
  deps: FileDeps;
  rendered: MemNode | undefined;
  /** Whether this render's output differs from what the entry it replaced held (or there was none). */
  outputChanged: boolean;
}

export interface KustomizedItem {
  annotations: Record<string, string>;
  objects: KubeObject[];
  /** Whether a string in the objects holds an `images.get_image()` placeholder; undefined when not known. */
  imagePlaceholders?: boolean;
}

interface BuildEntry {
  inputs: string;
  observed: TreeObservations;
  result: KustomizedItem;
  /**
   * For the quick check (see build): the item's template entry when the build ran, whether every read was inside
   * the item's dir, and whether the tree there held only that entry's files then.
   */
  templates: TemplateEntry | undefined;
  local: boolean;
  clean: boolean;
}

export class RenderCache {
  /** The render root all renders with this cache use (in memory only; never created on disk). */
  readonly renderDir = path.join(os.tmpdir(), `kluctl-ts-rendered-${randomUUID()}`);
  /** `buildsQuick`: reused builds the quick check (no read replayed) let through. */
  readonly stats = { templatesRendered: 0, templatesReused: 0, buildsRun: 0, buildsReused: 0, buildsQuick: 0 };
  private readonly templates = new Map<string, TemplateEntry>();
  private readonly builds = new Map<string, BuildEntry>();

  /**
   * `racyMs`: how long before it is recorded a file must have last changed for its stat to stand for its content
   * (RACY_MS; tests that change files many times a second on a file system with fine timestamps set it lower).
   */
  constructor(private readonly o: { racyMs?: number } = {}) {}

  /** Digests of objects by identity, for the render under way (beginRender); see digestOf. */
  private digests = new WeakMap<object, string>();

  /** To be called when a render starts: what digestOf remembered was for objects of the render before. */
  beginRender(): void {
    this.digests = new WeakMap();
  }

  /**
   * The digest of `value` (its JSON), remembered for the same object during one render: the items of a project
   * share its vars object, which would otherwise be serialised once per item. The vars are not changed during a
   * render (templates see a converted copy).
   */
  digestOf(value: object): string {
    let digest = this.digests.get(value);
    if (digest === undefined) this.digests.set(value, (digest = sha1(JSON.stringify(value))));
    return digest;
  }

  /** Whether a render has used this cache already. */
  get warm(): boolean {
    return this.stats.templatesRendered + this.stats.templatesReused > 0;
  }

  /** Forgets everything (e.g. the project was closed). */
  clear(): void {
    this.templates.clear();
    this.builds.clear();
  }

  /**
   * Stage 1 of one item: `render` writes the item's rendered dir `target` into `tree`, recording what it read in
   * `deps`; reused when the inputs and every recorded file are unchanged.
   */
  renderTemplates(key: string, inputs: unknown, tree: MemTree, target: string, render: (deps: FileDeps) => void): void {
    const hash = sha1(JSON.stringify(inputs));
    const entry = this.templates.get(key);
    if (entry && entry.inputs === hash && entry.deps.unchanged()) {
      this.stats.templatesReused++;
      if (entry.rendered) tree.restore(target, entry.rendered);
      return;
    }
    this.templates.delete(key);
    const deps = new FileDeps(entry?.deps, this.o.racyMs);
    // As a restore of what it writes: the tree at `target` then holds exactly this entry's files, as after a restore.
    tree.restoreWith(target, () => render(deps));
    this.stats.templatesRendered++;
    const rendered = tree.exportDir(target);
    const outputChanged = !entry || !sameNode(entry.rendered, rendered);
    if (this.templates.size < MAX_ENTRIES) this.templates.set(key, { inputs: hash, deps, rendered, outputChanged });
  }

  /**
   * Stages 3 of one item: `build` reads (and writes) `tree`; reused when the inputs are unchanged and every read it
   * made gives the same result on the new tree, its writes then made again. `cacheable` is false when the build
   * used what the tree does not see (a kustomize binary on a copy on disk).
   *
   * The quick check, which replays no read: a build that read only inside the item's rendered dir `dir`, whose reads
   * were seen to give their results on a tree holding exactly the files of the item's template entry there
   * (rendered or restored there, nothing else written, created, removed or restored at, above or below `dir`:
   * MemTree.changedNear),
   * reads the same now if the tree holds exactly the files of the same entry again.
   */
  async build(
    key: string,
    inputs: unknown,
    tree: MemTree,
    dir: string,
    build: () => Promise<{ result: KustomizedItem; cacheable: boolean }>,
  ): Promise<KustomizedItem> {
    const hash = sha1(JSON.stringify(inputs));
    const entry = this.builds.get(key);
    const templates = this.templates.get(key);
    const clean = !tree.changedNear(dir);
    const same = (e: BuildEntry): boolean => {
      if (e.local && e.clean && clean && templates !== undefined && e.templates === templates) {
        this.stats.buildsQuick++;
        return true;
      }
      // A build that read only in its item's dir, whose templates were just rendered to something else (an args
      // edit): its reads would mostly see the change, so it runs again without replaying them first. (Running a
      // build again is always right; replaying is only the cheaper way when nothing it read changed.)
      if (e.local && templates !== undefined && e.templates !== templates && templates.outputChanged) return false;
      if (!observedUnchanged(tree, e.observed)) return false;
      // Checked read by read on a tree holding exactly `templates` at the dir: from now on that suffices.
      e.templates = templates;
      e.clean = clean;
      return true;
    };
    if (entry && entry.inputs === hash && same(entry)) {
      this.stats.buildsReused++;
      for (const [p, data] of entry.observed.writes) tree.writeFile(p, data);
      const { annotations, objects, imagePlaceholders } = entry.result;
      return { annotations, objects: deepCopy(objects), imagePlaceholders };
    }
    this.builds.delete(key);
    const observed = new TreeObservations(absolute(dir));
    tree.observations = observed;
    let out: { result: KustomizedItem; cacheable: boolean };
    try {
      out = await build();
    } finally {
      tree.observations = undefined;
    }
    this.stats.buildsRun++;
    if (out.cacheable && this.builds.size < MAX_ENTRIES)
      this.builds.set(key, {
        inputs: hash,
        observed,
        result: { ...out.result, objects: deepCopy(out.result.objects) },
        templates,
        local: observed.local,
        clean,
      });
    return out.result;
  }
}

/** Whether two exported dirs hold the same files, links and dirs with the same contents. */
function sameNode(a: MemNode | undefined, b: MemNode | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.type === 'file') return b.type === 'file' && a.data.equals(b.data);
  if (a.type === 'link') return b.type === 'link' && a.target === b.target;
  if (b.type !== 'dir' || a.children.size !== b.children.size) return false;
  for (const [name, child] of a.children) if (!sameNode(child, b.children.get(name))) return false;
  return true;
}

function observedUnchanged(tree: MemTree, observed: TreeObservations): boolean {
  const seen = observed.seen();
  for (const op of OBSERVED_OPS)
    for (const [p, value] of seen[op]) {
      const now = tree.observeAgain(op, p, observed.written);
      if (typeof value === 'string' ? now !== value : typeof now === 'string' || !value.equals(now)) return false;
    }
  return true;
}
