/**
 * A render's items in two threads. The items' templates (stage 1, most of a large render) do not depend on each
 * other, and most items' kustomize builds read nothing but their own rendered dir: the engine worker hands such
 * jobs to a helper thread (ItemHelper, started by the worker layer) and does the same jobs itself; the two claim
 * items from one shared counter, so a helper that starts late or a slow item balances out by itself.
 *
 * The result equals the serial render's by construction: a build is kept only when every read it made was inside
 * the item's own rendered dir, with no Helm chart there, no kustomize binary and no SOPS key needed; anything else
 * (and every failed template, for its error) is done again in its turn by the serial stages of render-project.ts.
 */

import * as path from 'node:path';
import type { JsonObject } from '../../kluctl/uo/merge.js';
import type { DeploymentItem } from '../deployment/collection.js';
import { isHelmChartFile } from '../helm/helm-chart.js';
import { SopsDecryptor } from '../sops/decryptor.js';
import { kustomizeItem, kustomizeSpec, renderedDirOf, type KustomizeSpec } from './build-item.js';
import type { KustomizedItem } from './incremental.js';
import { isLocal, MemTree, type MemNode, type TreeObservations } from './mem-tree.js';
import { renderDirectory } from './render-dir.js';

/** One item's work ahead of its turn: plain data (it crosses to the helper thread). */
export interface ItemJob {
  /** The item's index in the render. */
  index: number;
  sourceRoot: string;
  itemDir: string;
  /** Its rendered dir (inside the render's tree). */
  targetDir: string;
  searchDirs: string[];
  vars: JsonObject;
  /** Absent for an item kustomize does not build (onlyRender). */
  kustomize?: KustomizeSpec;
}

/** A batch of jobs, and the claim counter both threads share (an Int32Array's SharedArrayBuffer). */
export interface ItemJobBatch {
  renderDir: string;
  jobs: ItemJob[];
  counter: SharedArrayBuffer;
}

export interface ItemOutcome {
  index: number;
  /** The templates failed: rendered again in its turn, for the error. */
  failed: boolean;
  /** Its kustomize result, when it could be built ahead. */
  kustomized?: KustomizedItem;
}

/** What the helper did: its outcomes, and each of those items' rendered dir. */
export interface HelperResult {
  outcomes: ItemOutcome[];
  dirs: [index: number, dir: MemNode][];
}

/** Runs a batch in another thread; resolves once the batch's counter is used up there. */
export interface ItemHelper {
  run(batch: ItemJobBatch): Promise<HelperResult>;
  /** Stops the helper (its jobs are not waited for). */
  dispose(): void;
}

/** Fewer items than this are not worth a second thread (its start costs about what 100 small items do). */
export const MIN_PARALLEL_ITEMS = 16;

/**
 * The jobs of a render, or undefined when it is not split: too few items, or rendered dirs that nest or repeat (the
 * serial order of their writes would matter).
 */
export function planItemJobs(
  items: DeploymentItem[],
  renderDir: string,
  searchDirsOf: (i: number) => string[],
): ItemJob[] | undefined {
  const jobs: ItemJob[] = [];
  for (const [index, item] of items.entries()) {
    const targetDir = renderedDirOf(item, renderDir);
    if (!item.dir || !targetDir) continue;
    jobs.push({
      index,
      sourceRoot: item.project.source.dir,
      itemDir: item.dir,
      targetDir,
      searchDirs: [item.dir, ...searchDirsOf(index)],
      vars: item.vars,
      kustomize: item.config.onlyRender ? undefined : kustomizeSpec(item),
    });
  }
  if (jobs.length < MIN_PARALLEL_ITEMS) return undefined;
  const dirs = jobs.map((j) => j.targetDir + path.sep).sort();
  for (let i = 1; i < dirs.length; i++) if (dirs[i].startsWith(dirs[i - 1])) return undefined;
  return jobs;
}

/** Claims the next job of a batch: its position, or undefined once all are taken. */
export function claimer(batch: ItemJobBatch): () => ItemJob | undefined {
  const counter = new Int32Array(batch.counter);
  return () => batch.jobs[Atomics.add(counter, 0, 1)];
}

/**
 * Runs claimed jobs into `tree` until none is left: the templates of each (an error is only noted), then its
 * kustomize build when it is an item's own business (see the top of this file).
 */
export async function runItemJobs(
  claim: () => ItemJob | undefined,
  tree: MemTree,
  renderDir: string,
  sops: SopsDecryptor,
): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = [];
  for (let job = claim(); job; job = claim()) {
    const outcome: ItemOutcome = { index: job.index, failed: false };
    outcomes.push(outcome);
    try {
      renderDirectory({ ...job, tree });
    } catch {
      outcome.failed = true;
      continue;
    }
    if (job.kustomize) outcome.kustomized = await kustomizeAhead(job.kustomize, job.targetDir, tree, renderDir, sops);
  }
  return outcomes;
}

/** The item's build, when it read only its own dir; its dir is left as the templates wrote it otherwise. */
async function kustomizeAhead(
  spec: KustomizeSpec,
  rendered: string,
  tree: MemTree,
  renderDir: string,
  sops: SopsDecryptor,
): Promise<KustomizedItem | undefined> {
  const before = tree.exportDir(rendered);
  if (!before || hasHelmChart(before)) return undefined;
  const observed: TreeObservations = { seen: new Map(), writes: [] };
  tree.observations = observed;
  let result: KustomizedItem | undefined;
  try {
    ({ result } = await kustomizeItem(spec, { renderDir, tree, sops }, rendered, true));
  } catch {
    result = undefined;
  } finally {
    tree.observations = undefined;
  }
  if (result && isLocal(observed, rendered)) return result;
  tree.remove(rendered);
  tree.overlay(rendered, before);
  return undefined;
}

function hasHelmChart(node: MemNode): boolean {
  if (node.type !== 'dir') return false;
  for (const [name, child] of node.children) {
    if (child.type === 'file' ? isHelmChartFile(name) : hasHelmChart(child)) return true;
  }
  return false;
}

/** The helper thread's side: runs the batch in a tree of its own and returns what it did. */
export async function runHelperBatch(batch: ItemJobBatch): Promise<HelperResult> {
  const tree = new MemTree(batch.renderDir);
  // No key is ever fetched here (kustomizeItem ahead), so none is configured: an encrypted file makes its item wait
  // for its turn.
  const outcomes = await runItemJobs(claimer(batch), tree, batch.renderDir, new SopsDecryptor({ env: {} }));
  const targetOf = new Map(batch.jobs.map((j) => [j.index, j.targetDir]));
  const dirs: [number, MemNode][] = [];
  for (const o of outcomes) {
    const dir = o.failed ? undefined : tree.exportDir(targetOf.get(o.index)!);
    if (dir) dirs.push([o.index, dir]);
  }
  return { outcomes, dirs };
}

/** A tree node as it arrives from another thread: its file contents are Uint8Arrays again, made Buffers here. */
export function revivedNode(node: MemNode): MemNode {
  if (node.type === 'file') {
    const d = node.data as Uint8Array;
    return { type: 'file', data: Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength) };
  }
  if (node.type === 'link') return node;
  return { type: 'dir', children: new Map([...node.children].map(([k, v]) => [k, revivedNode(v)])) };
}
