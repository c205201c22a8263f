/**
 * Applying objects the way Kluctl's ApplyUtil does (spec §6.4-§6.6): server-side apply as `kluctl`, conflict
 * resolution, replace-on-error, dry-run simulation of namespaces and CRDs created in the same run, deletion and
 * readiness waits. One ItemApplier per deployment item; they share an ApplyRun.
 */

import { randomBytes } from 'node:crypto';
import { deleteObject, getObject, replaceObject, serverSideApply } from '../../kube/apply.js';
import { CancelledError } from '../../util/errors.js';
import { apiMessageOf, KubeApiError, NoMatchError } from '../../kube/errors.js';
import { type KubeObject } from '../../kube/objects.js';
import type { ObjectRef } from '../../kluctl/resultTypes.js';
import { sleep } from '../../util/sleep.js';
import type { ConflictResolutionConfig } from '../project/types.js';
import { parseGoBool } from '../postprocess/metadata.js';
import { resolveConflicts } from '../diff/conflicts.js';
import { refKey, refOf, refString } from '../../kluctl/objectRef.js';
import type { ClusterAccess } from './access.js';
import { fixObjectForPatch } from './fixForPatch.js';
import { isProvenNoOpApply } from './noOpApply.js';
import type { DeploymentMessages } from './messages.js';
import { validateObject } from './readiness.js';
import { apiVersionOf, type RemoteObjects } from './remoteObjects.js';
import { FIELD_MANAGERS } from '../../kluctl/fieldManagers.js';

const POLL_MS = 500;
const CRD_SERVE_WAIT_MS = 15_000;
/** Objects of one item whose dry-run applies go out together (the client bounds what is on the wire). */
const MAX_WAVE = 64;

interface PreparedApply {
  ref: ObjectRef;
  /** What is sent: fixed for the patch, possibly renamed. */
  x: KubeObject;
  remote: KubeObject | undefined;
  dummyName: string | undefined;
}

interface ApplyAnswer {
  result?: KubeObject;
  error?: unknown;
  warnings: string[];
}

export interface ApplyOptions {
  forceApply?: boolean;
  replaceOnError?: boolean;
  forceReplaceOnError?: boolean;
  dryRun?: boolean;
  abortOnError?: boolean;
  /** Per object; Kluctl's default is 5 minutes. */
  readinessTimeoutMs?: number;
  noWait?: boolean;
  /**
   * In a dry-run, send every apply, even those proven to change nothing (noOpApply.ts): exactly kluctl's requests,
   * for clusters whose webhooks change objects on every update.
   */
  sendEveryApply?: boolean;
}

export type Progress = (message: string) => void;

/** State shared by every item of one apply pass. */
export class ApplyRun {
  aborted = false;
  readonly appliedNamespaces = new Set<string>();
  /** "group/version/Kind" of CRDs applied in this run. */
  readonly appliedCrdKinds = new Set<string>();
  readonly appliers: ItemApplier[] = [];

  constructor(
    readonly cluster: ClusterAccess,
    readonly remote: RemoteObjects,
    readonly messages: DeploymentMessages,
    readonly options: ApplyOptions,
    readonly progress: Progress = () => {},
  ) {}

  newItemApplier(name: string | undefined, conflictRules: ConflictResolutionConfig[] = []): ItemApplier {
    const a = new ItemApplier(this, name, conflictRules);
    this.appliers.push(a);
    return a;
  }

  appliedObjects(): KubeObject[] {
    return this.appliers.flatMap((a) => [...a.applied.values()]);
  }
  appliedHooks(): KubeObject[] {
    return this.appliers.flatMap((a) => [...a.appliedHooks.values()]);
  }
  newRefs(): ObjectRef[] {
    return this.appliers.flatMap((a) => [...a.newObjects.values()].map(refOf));
  }
  deletedRefs(): ObjectRef[] {
    const seen = new Map<string, ObjectRef>();
    for (const a of this.appliers) for (const r of a.deleted.values()) seen.set(refKey(r), r);
    return [...seen.values()];
  }
}

export class ItemApplier {
  readonly applied = new Map<string, KubeObject>();
  readonly appliedHooks = new Map<string, KubeObject>();
  readonly newObjects = new Map<string, KubeObject>();
  readonly deleted = new Map<string, ObjectRef>();
  readonly deletedHooks = new Map<string, ObjectRef>();
  errorCount = 0;
  warningCount = 0;

  constructor(
    readonly run: ApplyRun,
    readonly name: string | undefined,
    private readonly conflictRules: ConflictResolutionConfig[],
  ) {}

  private get o(): ApplyOptions {
    return this.run.options;
  }
  private get cluster(): ClusterAccess {
    return this.run.cluster;
  }

  report(message: string): void {
    this.run.progress(this.name ? `${this.name}: ${message}` : message);
  }

  handleError(ref: ObjectRef | undefined, error: unknown): void {
    if (error instanceof CancelledError || this.o.abortOnError) this.run.aborted = true;
    this.run.messages.addError(ref, error);
    this.errorCount++;
  }

  handleWarning(ref: ObjectRef | undefined, warning: unknown): void {
    this.run.messages.addWarning(ref, warning);
    this.warningCount++;
  }

  hadError(ref: ObjectRef): boolean {
    return this.run.messages.hadError(ref);
  }

  private handleResult(obj: KubeObject, hook: boolean): void {
    const key = refKey(refOf(obj));
    if (hook) this.appliedHooks.set(key, obj);
    this.applied.set(key, obj);
    if (!hook && !this.run.remote.get(refOf(obj))) this.newObjects.set(key, obj);
  }

  private apply(obj: KubeObject, force = false): Promise<KubeObject> {
    const onWarnings = (ws: string[]) => ws.forEach((w) => this.handleWarning(refOf(obj), w));
    return serverSideApply(this.cluster.client, this.cluster.mapper, obj, {
      fieldManager: FIELD_MANAGERS.deploy,
      force,
      dryRun: this.o.dryRun,
      signal: this.cluster.signal,
      onWarnings,
    });
  }

  async applyObject(input: KubeObject, replaced: boolean, hook: boolean): Promise<void> {
    const prepared = this.prepare(input, replaced);
    await this.complete(prepared, await this.send(prepared.x), hook);
  }

  /**
   * The plain objects of one item in a dry-run: the requests of consecutive objects go out together (bounded by the
   * client's sockets) and their answers are taken in render order, so the result, the messages and their order are
   * those of applying one after the other. A Namespace or a CRD changes how the objects after it are applied (the
   * dry-run simulation of §6.4), so it is applied on its own, after everything before it and before anything after.
   * A real deploy applies one object after the other, as Kluctl does. An apply proven to change nothing is answered
   * with the live object without a request (noOpApply.ts).
   */
  async applyObjectsPipelined(objects: KubeObject[]): Promise<void> {
    for (let start = 0; start < objects.length && !this.run.aborted;) {
      let end = start + 1;
      if (!changesLaterApplies(objects[start]))
        while (end < objects.length && end - start < MAX_WAVE && !changesLaterApplies(objects[end])) end++;
      const wave = objects.slice(start, end).map((o) => this.prepare(o, false));
      const answers = wave.map((p) =>
        this.o.dryRun &&
        !this.o.sendEveryApply &&
        !p.dummyName &&
        isProvenNoOpApply(p.x, p.remote, FIELD_MANAGERS.deploy)
          ? { result: structuredClone(p.remote!), warnings: [] }
          : this.send(p.x),
      );
      for (let i = 0; i < wave.length && !this.run.aborted; i++) await this.complete(wave[i], await answers[i], false);
      start = end;
    }
  }

  /** What to send for an object: in dry-run, possibly under a temporary name (see applyObject). */
  private prepare(input: KubeObject, replaced: boolean): PreparedApply {
    const ref = refOf(input);
    let x = fixObjectForPatch(input);
    const remote = this.run.remote.get(ref);
    const remoteNamespace = ref.namespace ? this.run.remote.namespace(ref.namespace) : undefined;

    // In dry-run, an object re-created after a simulated delete, or one in a namespace this run would create, is
    // applied under a temporary name (in `default`) and renamed back in the result.
    let dummyName: string | undefined;
    if (this.o.dryRun && replaced && remote) dummyName = `${ref.name}-${randomSuffix()}`;
    else if (this.o.dryRun && ref.namespace && !remoteNamespace && this.run.appliedNamespaces.has(ref.namespace))
      dummyName = `${ref.name}-${randomSuffix()}`;
    if (dummyName) {
      x = structuredClone(x);
      x.metadata.name = dummyName;
      if (!(this.o.dryRun && replaced && remote)) x.metadata.namespace = 'default';
    }
    return { ref, x, remote, dummyName };
  }

  /** The first apply of an object; never rejects. Its API warnings are kept for `complete`, in order. */
  private async send(x: KubeObject): Promise<ApplyAnswer> {
    const warnings: string[] = [];
    try {
      const result = await serverSideApply(this.cluster.client, this.cluster.mapper, x, {
        fieldManager: FIELD_MANAGERS.deploy,
        dryRun: this.o.dryRun,
        signal: this.cluster.signal,
        onWarnings: (ws) => warnings.push(...ws),
      });
      return { result, warnings };
    } catch (error) {
      return { error, warnings };
    }
  }

  private async complete(p: PreparedApply, answer: ApplyAnswer, hook: boolean): Promise<void> {
    const { ref, x, remote, dummyName } = p;
    for (const w of answer.warnings) this.handleWarning(ref, w);
    let { result, error } = answer;
    if (result && dummyName) {
      result = renameBack(result, dummyName, ref.name);
      if (ref.namespace) result.metadata.namespace = ref.namespace;
    } else if (error instanceof NoMatchError && this.run.appliedCrdKinds.has(gvkKey(ref))) {
      if (this.o.dryRun) {
        this.handleResult(x, hook);
        this.handleWarning(
          ref,
          `the underyling custom resource definition for ${refString(ref)} has not been applied yet as Kluctl is running in dry-run mode. It is not guaranteed that the object will actually sucessfully apply`,
        );
        return;
      }
      // The CRD was applied in this run but the API server may not serve its kind yet: retry for a few seconds
      // (Kluctl retries once, which races with the API server registering the new resource).
      const deadline = Date.now() + CRD_SERVE_WAIT_MS;
      do {
        this.cluster.mapper.reset();
        try {
          result = await this.apply(x);
          error = undefined;
        } catch (e) {
          error = e;
        }
      } while (error instanceof NoMatchError && Date.now() < deadline && (await sleep(POLL_MS, this.cluster.signal)));
    }
    if (result && ref.kind === 'Namespace' && !ref.group) this.run.appliedNamespaces.add(ref.name);
    if (result && ref.kind === 'CustomResourceDefinition' && ref.group === 'apiextensions.k8s.io')
      this.observeCrd(result);

    if (!error && result) this.handleResult(result, hook);
    else if (error instanceof CancelledError) this.handleError(ref, error);
    else if (error instanceof NoMatchError) this.handleError(ref, patchFailed(ref, error));
    else if (error instanceof KubeApiError && error.isConflict) await this.retryWithConflicts(x, hook, remote, error);
    else await this.retryWithReplace(x, hook, remote, error);
  }

  private observeCrd(crd: KubeObject): void {
    const spec = crd.spec as
      { group?: string; names?: { kind?: string }; versions?: Array<{ name: string }> } | undefined;
    for (const v of spec?.versions ?? []) this.run.appliedCrdKinds.add(`${spec?.group}/${v.name}/${spec?.names?.kind}`);
  }

  private async retryWithConflicts(
    x: KubeObject,
    hook: boolean,
    remote: KubeObject | undefined,
    applyError: KubeApiError,
  ): Promise<void> {
    const ref = refOf(x);
    if (!remote) return this.handleError(ref, patchFailed(ref, applyError));
    let resolved = x;
    if (!this.o.forceApply) {
      try {
        const unknown = applyError.causes.find((c) => c.reason !== 'FieldManagerConflict');
        if (unknown) throw new Error(`unknown type ${unknown.reason ?? ''}`);
        const causes = applyError.causes.map((c) => ({ field: c.field ?? '', message: c.message ?? '' }));
        const r = resolveConflicts(x, remote, causes, this.conflictRules);
        resolved = r.object;
        for (const w of r.warnings) this.run.messages.addWarning(ref, w);
      } catch (e) {
        return this.handleError(ref, e);
      }
    }
    try {
      this.handleResult(await this.apply(resolved, true), hook);
    } catch (e) {
      // Not solved: better to stop here than to retry with replace.
      this.handleError(ref, patchFailed(ref, e));
    }
  }

  private async retryWithReplace(
    x: KubeObject,
    hook: boolean,
    remote: KubeObject | undefined,
    applyError: unknown,
  ): Promise<void> {
    const ref = refOf(x);
    if ((!this.o.replaceOnError && !this.o.forceReplaceOnError) || !remote)
      return this.handleError(ref, patchFailed(ref, applyError));
    this.handleWarning(ref, `patching ${refString(ref)} failed, retrying with replace instead of patch`);
    const body = structuredClone(x);
    body.metadata.resourceVersion = remote.metadata.resourceVersion;
    try {
      this.handleResult(
        await replaceObject(this.cluster.client, this.cluster.mapper, body, {
          fieldManager: FIELD_MANAGERS.deploy,
          dryRun: this.o.dryRun,
          signal: this.cluster.signal,
        }),
        hook,
      );
    } catch (e) {
      await this.retryForceReplace(x, hook, remote, e);
    }
  }

  private async retryForceReplace(
    x: KubeObject,
    hook: boolean,
    remote: KubeObject,
    applyError: unknown,
  ): Promise<void> {
    const ref = refOf(x);
    if (!this.o.forceReplaceOnError) return this.handleError(ref, applyError);
    if (isSkipDelete(x) || isSkipDelete(remote)) {
      this.report(`skipped forced replace of ${refString(ref)}`);
      return this.handleError(ref, applyError);
    }
    this.handleWarning(ref, `patching ${refString(ref)} failed, retrying by deleting and re-applying`);
    if (!(await this.deleteObject(ref, hook))) return;
    if (this.o.dryRun) return this.handleResult(x, hook);
    try {
      this.handleResult(await this.apply(x), hook);
    } catch (e) {
      this.handleError(ref, patchFailed(ref, e));
    }
  }

  /** DELETE (background propagation) and, unless dry-run, wait until gone. True when it was deleted (or simulated). */
  async deleteObject(ref: ObjectRef, hook: boolean): Promise<boolean> {
    const target = { apiVersion: apiVersionOf(ref), kind: ref.kind, name: ref.name, namespace: ref.namespace };
    let existed: boolean;
    try {
      existed = await deleteObject(this.cluster.client, this.cluster.mapper, target, {
        dryRun: this.o.dryRun,
        signal: this.cluster.signal,
      });
      if (existed && !this.o.dryRun) await waitUntilDeleted(this.cluster, target);
    } catch (e) {
      this.handleError(ref, e);
      return false;
    }
    const key = refKey(ref);
    if (!existed) {
      // In dry-run, an object applied earlier in this run counts as deleted.
      if (!this.o.dryRun || !(hook ? this.applied.has(key) : this.appliedHooks.has(key))) return false;
    }
    (hook ? this.deletedHooks : this.deleted).set(key, ref);
    return true;
  }

  /** Polls every 500 ms until ready, an error, disappearance, the timeout or cancellation. */
  async waitReadiness(ref: ObjectRef, timeoutMs?: number): Promise<boolean> {
    if (this.o.dryRun) return true;
    const deadline = Date.now() + (timeoutMs || this.o.readinessTimeoutMs || 5 * 60_000);
    const target = { apiVersion: apiVersionOf(ref), kind: ref.kind, name: ref.name, namespace: ref.namespace };
    const statusRequired = await this.cluster.schemas.hasStatus(target.apiVersion, ref.kind, this.cluster.signal);
    let logged = false;
    for (;;) {
      let o: KubeObject | undefined;
      try {
        o = await getObject(this.cluster.client, this.cluster.mapper, target, this.cluster.signal);
      } catch (e) {
        this.handleError(
          ref,
          e instanceof CancelledError ? `context cancelled while waiting for readiness of ${refString(ref)}` : e,
        );
        if (e instanceof CancelledError) this.run.aborted = true;
        return false;
      }
      if (!o) {
        this.handleError(ref, `${refString(ref)} disappeared while waiting for it to become ready`);
        return false;
      }
      const v = validateObject(o, { notReadyIsError: false, statusRequired });
      if (v.ready) return true;
      if (v.errors.length) {
        for (const e of v.errors) this.handleError(ref, e);
        return false;
      }
      if (!logged) this.report(`Waiting for ${refString(ref)} to get ready...`);
      logged = true;
      if (Date.now() >= deadline) {
        this.handleError(ref, `timed out while waiting for readiness of ${refString(ref)}`);
        return false;
      }
      if (!(await sleep(POLL_MS, this.cluster.signal))) {
        this.run.aborted = true;
        this.handleError(ref, `context cancelled while waiting for readiness of ${refString(ref)}`);
        return false;
      }
    }
  }
}

/** Kluctl reports every failed server-side apply as `failed to patch <ref>: <the API server's message>`. */
function patchFailed(ref: ObjectRef, error: unknown): unknown {
  if (error instanceof CancelledError) return error;
  return `failed to patch ${refString(ref)}: ${apiMessageOf(error)}`;
}

export function isSkipDelete(o: KubeObject): boolean {
  return (
    parseGoBool(o.metadata.annotations?.['kluctl.io/skip-delete']) ||
    o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep'
  );
}

export async function waitUntilDeleted(
  cluster: ClusterAccess,
  target: { apiVersion: string; kind: string; name: string; namespace?: string },
): Promise<void> {
  while (await getObject(cluster.client, cluster.mapper, target, cluster.signal)) {
    if (!(await sleep(POLL_MS, cluster.signal)))
      throw new CancelledError(
        `waiting for deletion of ${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`,
      );
  }
}

/** Namespaces and CRDs: applying one changes how later objects of the run are applied (see ItemApplier.prepare). */
function changesLaterApplies(o: KubeObject): boolean {
  return (
    (o.kind === 'Namespace' && o.apiVersion === 'v1') ||
    (o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/'))
  );
}

function gvkKey(ref: ObjectRef): string {
  return `${ref.group ?? ''}/${ref.version}/${ref.kind}`;
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex').slice(0, 8);
}

/** Replaces the temporary name wherever it appears as a key or a string value. */
function renameBack(obj: KubeObject, tmp: string, name: string): KubeObject {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object')
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k === tmp ? name : k, walk(v)]));
    return x === tmp ? name : x;
  };
  return walk(obj) as KubeObject;
}
