/**
 * `diff`, `deploy`, `prune`, `delete` and `validate` of a Kluctl project against its cluster (spec §6-§9),
 * each returning Kluctl's result shape. Rendering problems throw; problems with objects end up in the result.
 */

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { CommandResult, ObjectRef, ValidateResult } from '../../kluctl/resultTypes.js';
import { findLocalProject } from '../../kluctl/localProject.js';
import { repoKeyString } from '../../kluctl/repoKey.js';
import { getObject } from '../../kube/apply.js';
import { type KubeObject } from '../../kube/objects.js';
import { obfuscateChanges, obfuscateSecret } from '../../kluctl/masking.js';
import { hasInclusion, isIncluded, type InclusionOptions } from '../deployment/inclusion.js';
import { refKey, refOf } from '../../kluctl/objectRef.js';
import { parseGoBool } from '../postprocess/metadata.js';
import { renderProject, type RenderProjectOptions, type RenderProjectResult } from '../render/render-project.js';
import { clusterAccess, type ClusterAccess } from './access.js';
import { ApplyRun, type ApplyOptions, type Progress } from './applier.js';
import { applyItems } from './applyItems.js';
import { Differ, type DiffFlags } from './differ.js';
import { hookOf, isPersistentHook } from './hooks.js';
import { DeploymentMessages } from './messages.js';
import { deleteObjects, findObjectsForDelete } from './orphans.js';
import { validateObject } from './readiness.js';
import { RemoteObjects } from './remoteObjects.js';
import { collectObjects, withoutDeleted, type ResultParts } from './result.js';
import { writeCommandResult, type WriteResultOptions } from '../../kluctl/resultStore.js';

export interface CommandOptions extends RenderProjectOptions {
  progress?: Progress;
  /** `--no-obfuscate` */
  noObfuscate?: boolean;
  /**
   * deploy, prune and delete store their result in the cluster like kluctl (`--write-command-result`, default on;
   * never in dry-run); false turns it off.
   */
  writeResult?: WriteResultOptions | false;
}

export interface DeployOptions extends CommandOptions, ApplyOptions, DiffFlags {
  /** `--prune` */
  prune?: boolean;
  /**
   * Called with the dry-run result before anything is applied (kluctl's prompt without `--yes`); returning false
   * stops with the error "aborted". Not called with `dryRun`.
   */
  confirm?: (diff: CommandResult) => Promise<boolean>;
  /** The preview given to `confirm` keeps Secret values (its caller masks what it shows); the result does not. */
  previewUnmasked?: boolean;
}

export interface DeleteOptions extends CommandOptions {
  dryRun?: boolean;
  noWait?: boolean;
  /** Confirmation with the objects about to be deleted; false stops with "aborted". */
  confirm?: (refs: ObjectRef[]) => Promise<boolean>;
}

type Command = 'diff' | 'deploy' | 'prune' | 'delete' | 'validate';

interface Session {
  rendered: RenderProjectResult;
  cluster: ClusterAccess;
  messages: DeploymentMessages;
  result: CommandResult;
}

async function start(
  command: Command,
  o: CommandOptions & { dryRun?: boolean } & Partial<ApplyOptions>,
): Promise<Session> {
  const startTime = new Date().toISOString();
  // Every call in flight listens on the signal: discovery, lists, items and readiness polls run in parallel.
  if (o.signal) setMaxListeners(200, o.signal);
  if (o.offline) throw new Error(`${command} needs a cluster; --offline-kubernetes is only for render`);
  const rendered = await renderProject(o);
  if (!rendered.cluster)
    throw new Error(
      `${command} needs a cluster, but no kubeconfig or context is usable: ${rendered.warnings.join('; ')}`,
    );
  const cluster = clusterAccess(rendered.cluster.client, rendered.cluster.mapper, o.signal);
  const messages = new DeploymentMessages();
  for (const w of rendered.warnings) messages.addWarning(undefined, w);
  const clusterId = await kubeSystemUid(cluster).catch((error: unknown) => {
    messages.addError(undefined, error);
    return '';
  });
  const project = await findLocalProject(o.projectDir).catch(() => undefined);
  const result: CommandResult = {
    id: randomUUID(),
    reconcileId: '',
    projectKey: project ? { repoKey: repoKeyString(project.repoKey), subDir: project.subDir || undefined } : {},
    targetKey: {
      targetName: rendered.target.name || undefined,
      clusterId,
      discriminator: rendered.discriminator || undefined,
    },
    target: { ...rendered.target },
    command: {
      initiator: 'CommandLine',
      startTime,
      endTime: startTime,
      // validate reports a ValidateResult; this header only lends it the project and target keys.
      command: command === 'validate' ? undefined : command,
      target: o.target,
      targetNameOverride: o.targetNameOverride,
      contextOverride: o.context,
      args: Object.keys(rendered.args).length ? rendered.args : undefined,
      images: o.fixedImages?.length ? o.fixedImages : undefined,
      dryRun: o.dryRun || undefined,
      noWait: o.noWait || undefined,
      forceApply: o.forceApply || undefined,
      replaceOnError: o.replaceOnError || undefined,
      forceReplaceOnError: o.forceReplaceOnError || undefined,
      abortOnError: o.abortOnError || undefined,
      includeDeploymentDirs: o.inclusion?.includeDeploymentDirs?.length ? o.inclusion.includeDeploymentDirs : undefined,
      excludeDeploymentDirs: o.inclusion?.excludeDeploymentDirs?.length ? o.inclusion.excludeDeploymentDirs : undefined,
    },
    clusterInfo: { clusterId },
    deployment: rendered.deployment,
    objects: [],
  };
  return { rendered, cluster, messages, result };
}

function finish(s: Session, o: CommandOptions): CommandResult {
  const r = s.result;
  r.errors = s.messages.errorList;
  r.warnings = s.messages.warningList;
  if (s.rendered.images.length) r.seenImages = s.rendered.images.map((x) => ({ ...x }));
  r.command!.endTime = new Date().toISOString();
  for (const k of ['errors', 'warnings', 'objects'] as const) if (!r[k]?.length) delete r[k];
  if (!o.noObfuscate) obfuscateResult(r);
  return r;
}

/** finish, then store the result as kluctl does; a failed write is an error of the command. */
async function finishAndStore(s: Session, o: CommandOptions & { dryRun?: boolean }): Promise<CommandResult> {
  const r = finish(s, o);
  if (o.writeResult === false || o.dryRun) return r;
  try {
    const name = await writeCommandResult(s.cluster, r, o.writeResult ?? {});
    o.progress?.(`Wrote the command result ${name}`);
  } catch (error) {
    r.errors = [
      ...(r.errors ?? []),
      { ref: { kind: '', name: '' }, message: `failed to write the command result: ${(error as Error).message}` },
    ];
  }
  return r;
}

function obfuscateResult(r: CommandResult): void {
  for (const x of r.objects ?? []) {
    if (x.changes) x.changes = obfuscateChanges(x.ref, x.changes);
    x.rendered = obfuscateSecret(x.rendered);
    x.remote = obfuscateSecret(x.remote);
    x.applied = obfuscateSecret(x.applied);
  }
}

async function kubeSystemUid(c: ClusterAccess): Promise<string> {
  const ns = await getObject(
    c.client,
    c.mapper,
    { apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' },
    c.signal,
  );
  return ns?.metadata.uid ?? '';
}

/** Kluctl stops a command whose remote objects cannot be gathered, with that error in the result. */
async function remoteObjects(
  s: Session,
  discriminator: string | undefined,
  rendered: ObjectRef[],
  onlyUsedKinds = false,
): Promise<RemoteObjects | undefined> {
  const remote = new RemoteObjects(s.cluster, s.messages);
  try {
    await remote.update(discriminator, rendered, onlyUsedKinds);
    return remote;
  } catch (error) {
    s.messages.addError(undefined, error);
    return undefined;
  }
}

function noDiscriminatorWarning(s: Session): void {
  if (!s.rendered.discriminator)
    s.messages.addWarning(undefined, 'no discriminator configured. Orphan object detection will not work');
}

async function orphansOf(s: Session, remote: RemoteObjects, inclusion: InclusionOptions): Promise<ObjectRef[]> {
  const candidates = remote.filtered((entries) => isIncluded(inclusion, entries));
  return findObjectsForDelete(
    s.cluster,
    candidates,
    (inclusion.includeTags?.length ?? 0) + (inclusion.excludeTags?.length ?? 0) > 0,
    s.rendered.objects.map(refOf),
  );
}

/** One apply pass (dry-run for diff) followed by its diff; the parts of the result it yields. */
async function applyAndDiff(
  s: Session,
  remote: RemoteObjects,
  messages: DeploymentMessages,
  options: ApplyOptions,
  flags: DiffFlags,
  progress?: Progress,
) {
  const run = new ApplyRun(s.cluster, remote, messages, options, progress);
  await applyItems(run, s.rendered.items);
  const applied = new Map(run.appliedObjects().map((x) => [refKey(refOf(x)), x] as const));
  const differ = new Differ(messages, remote.all(), applied, flags);
  differ.diffItems(s.rendered.items);
  return { run, differ };
}

/** The parts of a result an apply pass and its diff produce. */
function appliedParts(s: Session, remote: RemoteObjects, run: ApplyRun, differ: Differ): ResultParts {
  return {
    rendered: s.rendered.objects,
    remote: remote.all(),
    applied: run.appliedObjects(),
    appliedHooks: run.appliedHooks(),
    deletedByApply: run.deletedRefs(),
    changed: differ.changed,
    newRefs: run.newRefs(),
  };
}

export async function diffProject(
  o: CommandOptions & Omit<ApplyOptions, 'dryRun'> & DiffFlags,
): Promise<CommandResult> {
  const s = await start('diff', o);
  noDiscriminatorWarning(s);
  const remote = await remoteObjects(s, s.rendered.discriminator, s.rendered.objects.map(refOf));
  if (!remote) return finish(s, o);
  const { run, differ } = await applyAndDiff(
    s,
    remote,
    s.messages,
    { ...o, dryRun: true, abortOnError: false, noWait: true },
    o,
    o.progress,
  );
  const orphans = await orphansOf(s, remote, o.inclusion ?? {});
  s.result.objects = collectObjects({ ...appliedParts(s, remote, run, differ), orphans });
  return finish(s, o);
}

export async function deployProject(o: DeployOptions): Promise<CommandResult> {
  const s = await start('deploy', o);
  noDiscriminatorWarning(s);
  const remote = await remoteObjects(s, s.rendered.discriminator, s.rendered.objects.map(refOf));
  if (!remote) return finishAndStore(s, o);

  if (o.confirm && !o.dryRun) {
    const trial = s.messages.clone();
    const { run, differ } = await applyAndDiff(s, remote, trial, { ...o, dryRun: true, abortOnError: false }, o);
    const preview: CommandResult = {
      ...s.result,
      objects: collectObjects({
        ...appliedParts(s, remote, run, differ),
        orphans: await orphansOf(s, remote, o.inclusion ?? {}),
      }),
      errors: trial.errorList,
      warnings: trial.warningList,
    };
    if (!o.noObfuscate && !o.previewUnmasked) obfuscateResult(preview);
    if (!(await o.confirm(preview))) {
      s.messages.addError(undefined, 'aborted');
      return finishAndStore(s, o);
    }
  }

  const { run, differ } = await applyAndDiff(s, remote, s.messages, o, o, o.progress);
  let orphans = await orphansOf(s, remote, o.inclusion ?? {});
  let deleted: ObjectRef[] = [];
  if (o.prune && !s.rendered.discriminator)
    s.messages.addError(undefined, 'pruning without a discriminator is not supported');
  else if (o.prune) {
    deleted = await deleteObjects(s.cluster, orphans, s.messages, !o.noWait, o.dryRun);
    orphans = withoutDeleted(orphans, deleted);
  }
  s.result.objects = collectObjects({ ...appliedParts(s, remote, run, differ), orphans, deleted });
  return finishAndStore(s, o);
}

/** prune (orphans only) or delete (everything with the discriminator that passes inclusion). */
async function removeObjects(command: 'prune' | 'delete', o: DeleteOptions): Promise<CommandResult> {
  const s = await start(command, o);
  const discriminator = s.rendered.discriminator;
  if (!discriminator) {
    s.messages.addError(
      undefined,
      `${command === 'prune' ? 'pruning' : 'deletion'} without a discriminator is not supported`,
    );
    return finishAndStore(s, o);
  }
  const remote = await remoteObjects(s, discriminator, []);
  if (!remote) return finishAndStore(s, o);
  const inclusion = o.inclusion ?? {};
  const candidates = remote.filtered((entries) => isIncluded(inclusion, entries));
  const hasTags = hasInclusion({ includeTags: inclusion.includeTags, excludeTags: inclusion.excludeTags });
  const refs = await findObjectsForDelete(
    s.cluster,
    candidates,
    hasTags,
    command === 'prune' ? s.rendered.objects.map(refOf) : [],
  );
  if (o.confirm && !o.dryRun && refs.length && !(await o.confirm(refs))) {
    s.messages.addError(undefined, 'aborted');
    return finishAndStore(s, o);
  }
  const deleted = await deleteObjects(s.cluster, refs, s.messages, !o.noWait, o.dryRun);
  s.result.objects = collectObjects({
    rendered: s.rendered.objects,
    remote: remote.all(),
    orphans: command === 'prune' ? withoutDeleted(refs, deleted) : [],
    deleted,
  });
  return finishAndStore(s, o);
}

export function pruneProject(o: DeleteOptions): Promise<CommandResult> {
  return removeObjects('prune', o);
}

export function deleteProject(o: DeleteOptions): Promise<CommandResult> {
  return removeObjects('delete', o);
}

/** kluctl validate: every rendered object exists and is ready (not-ready is an error). */
export async function validateProject(o: CommandOptions): Promise<ValidateResult> {
  const startTime = new Date().toISOString();
  const s = await start('validate', o);
  const remote = await remoteObjects(s, s.rendered.discriminator, s.rendered.objects.map(refOf), true);
  const v: ValidateResult = {
    id: randomUUID(),
    reconcileId: '',
    projectKey: s.result.projectKey,
    targetKey: s.result.targetKey,
    startTime,
    endTime: startTime,
    ready: true,
    errors: [],
    warnings: [],
    results: [],
  };
  if (!remote) {
    v.ready = false;
    v.errors = s.messages.errorList;
    return v;
  }
  const problems = {
    error: (m: string) => s.messages.addError(undefined, m),
    warning: (m: string) => s.messages.addWarning(undefined, m),
  };
  for (const local of s.rendered.objects) {
    const ref = refOf(local);
    if (parseGoBool(local.metadata.annotations?.['kluctl.io/delete'])) {
      if (remote.get(ref))
        s.messages.addError(ref, 'object is marked for deletion but still exists on the target cluster');
      continue;
    }
    const hook = hookOf(local, problems);
    if (hook && !isPersistentHook(hook)) continue;
    const live: KubeObject | undefined = remote.get(ref);
    if (!live) {
      v.errors!.push({ ref, message: 'object not found' });
      v.ready = false;
      continue;
    }
    const statusRequired = await s.cluster.schemas.hasStatus(live.apiVersion, live.kind, o.signal);
    const r = validateObject(live, { notReadyIsError: true, statusRequired });
    if (!r.ready) v.ready = false;
    v.errors!.push(...r.errors.map((message) => ({ ref, message })));
    v.warnings!.push(...r.warnings.map((message) => ({ ref, message })));
    v.results!.push(...r.results.map((x) => ({ ref, ...x })));
  }
  v.errors!.push(...s.messages.errorList);
  v.warnings!.push(...s.messages.warningList);
  if (v.errors!.length) v.ready = false;
  v.endTime = new Date().toISOString();
  for (const k of ['errors', 'warnings', 'results'] as const) if (!v[k]?.length) delete v[k];
  return v;
}
