/**
 * Result Secrets on the cluster, read and written in this one place (their format is results.ts).
 * Writing follows the kluctl CLI (`--write-command-result`, on by default): a Secret in `kluctl-results` with the
 * reduced result and the compacted objects (gzip'd JSON) and the summary as an annotation, so the Kluctl Webui and
 * this extension's tree show pushes from kluctl-ts too. The newest 5 per target are kept.
 */

import type { CommandResult, CommandResultSummary } from './resultTypes.js';
import {
  buildSummary,
  DEFAULT_RESULTS_NAMESPACE,
  encodeSecretPayload,
  findResultSecretSelector,
  RESULT_ANNOTATIONS,
  RESULT_DATA_KEYS,
  RESULT_LABELS,
  resultSecretInfo,
  type ResultKind,
  type SecretObject,
} from './results.js';
import { deleteObject, getObject, listObjects, serverSideApply } from '../kube/apply.js';
import { type KubeAccess } from '../kube/discovery.js';
import { type KubeClient } from '../kube/client.js';
import { type KubeList, type KubeObject } from '../kube/objects.js';
import { compactObjects, reducedObject, sortedJson } from './compactedObjects.js';
import { FIELD_MANAGERS } from './fieldManagers.js';
import { ObjectError } from '../util/errors.js';

/** The Secret of one stored result, found by its id label. */
export async function readResultSecret(
  client: KubeClient,
  kind: ResultKind,
  resultId: string,
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<SecretObject> {
  const namespace = options.namespace ?? DEFAULT_RESULTS_NAMESPACE;
  const list = await client.requestJson<KubeList<SecretObject>>({
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    query: { labelSelector: findResultSecretSelector(kind, resultId) },
    signal: options.signal,
    description: `read ${kind} result ${resultId}`,
  });
  const secret = list.items[0];
  if (!secret)
    throw new ObjectError(
      `${kind} result ${resultId}`,
      `not found in namespace "${namespace}" (it may have been cleaned up already)`,
    );
  return secret;
}

/**
 * Deletes the Secret(s) of one command result (selected by its id, as Kluctl's DeleteCommandResult does) and
 * returns how many there were.
 */
export async function deleteCommandResult(
  client: KubeClient,
  resultId: string,
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<number> {
  if (!resultId) throw new Error('deleting a command result needs its id');
  const namespace = options.namespace ?? DEFAULT_RESULTS_NAMESPACE;
  const list = await client.requestJson<KubeList<SecretObject>>({
    method: 'DELETE',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    query: { labelSelector: findResultSecretSelector('command', resultId) },
    signal: options.signal,
    description: `delete command result ${resultId}`,
  });
  return list.items?.length ?? 0;
}

export interface WriteResultOptions {
  namespace?: string;
  /** `--keep-command-results-count` (default 5). */
  keep?: number;
}

/** Returns the Secret's name. */
export async function writeCommandResult(
  cluster: KubeAccess,
  r: CommandResult,
  o: WriteResultOptions = {},
): Promise<string> {
  const namespace = o.namespace ?? DEFAULT_RESULTS_NAMESPACE;
  const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  if (!(await getObject(cluster.client, cluster.mapper, nsRef, cluster.signal))) {
    await serverSideApply(
      cluster.client,
      cluster.mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: FIELD_MANAGERS.results, signal: cluster.signal },
    );
  }
  const reduced: CommandResult = {
    ...r,
    objects: r.objects?.map((x) => ({
      ...x,
      rendered: reducedObject(x.rendered),
      remote: reducedObject(x.remote),
      applied: reducedObject(x.applied),
    })),
  };
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName('cr', r.id, r.projectKey.repoKey),
      namespace,
      labels: { [RESULT_LABELS.isResult]: 'true', [RESULT_LABELS.commandResultId]: r.id },
      annotations: {
        [RESULT_ANNOTATIONS.commandResultSummary]: JSON.stringify(buildSummary(r)),
        ...(r.projectKey.repoKey ? { [RESULT_ANNOTATIONS.projectRepoKey]: r.projectKey.repoKey } : {}),
        ...(r.projectKey.subDir ? { [RESULT_ANNOTATIONS.projectSubDir]: r.projectKey.subDir } : {}),
      },
    },
    data: {
      [RESULT_DATA_KEYS.commandResult]: encodeSecretPayload(reduced),
      [RESULT_DATA_KEYS.compactedObjects]: encodeSecretPayload(compactObjects(r.objects ?? [])),
    },
  };
  await serverSideApply(cluster.client, cluster.mapper, secret, {
    fieldManager: FIELD_MANAGERS.results,
    signal: cluster.signal,
  });
  await removeOldResults(cluster, namespace, r, o.keep ?? 5);
  return secret.metadata.name;
}

/** Kluctl's buildName: `<prefix>-<repo name>-<id>`, the repo name cut to fit 63 characters. */
export function secretName(prefix: string, id: string, repoKey: string | undefined): string {
  const repoPath = repoKey?.split(':').slice(1).join(':') ?? '';
  let name = (repoPath.split('/').pop() ?? '').replace(/_/g, '-').replace(/[^a-zA-Z0-9-]/g, '');
  name = name.slice(0, Math.max(0, 63 - (id.length + 1) - (prefix.length + 1)));
  return `${prefix}-${name ? `${name}-` : ''}${id}`;
}

async function removeOldResults(cluster: KubeAccess, namespace: string, r: CommandResult, keep: number): Promise<void> {
  const secrets = await listObjects(cluster.client, await cluster.mapper.require('v1', 'Secret', cluster.signal), {
    namespace,
    labelSelector: `${RESULT_LABELS.isResult}=true,${RESULT_LABELS.commandResultId}`,
    signal: cluster.signal,
  });
  const sameTarget = secrets
    .map((s) => ({ s, info: resultSecretInfo(s) }))
    .filter(
      ({ info }) =>
        info?.kind === 'command' &&
        (info.projectKey.repoKey ?? '') === (r.projectKey.repoKey ?? '') &&
        (info.projectKey.subDir ?? '') === (r.projectKey.subDir ?? ''),
    )
    .map(({ s, info }) => ({ s, summary: info!.summary as CommandResultSummary | undefined }))
    .filter(({ summary }) => summary && sortedJson(summary.targetKey) === sortedJson(r.targetKey))
    .sort((a, b) => (a.summary!.commandInfo.startTime < b.summary!.commandInfo.startTime ? 1 : -1));
  for (const { s } of sameTarget.slice(keep)) {
    await deleteObject(
      cluster.client,
      cluster.mapper,
      { apiVersion: 'v1', kind: 'Secret', name: s.metadata.name, namespace },
      { signal: cluster.signal },
    );
  }
}
