import type { KubeClient } from '../kube/client.js';
import type { KubeList } from '../kube/objects.js';
import {
  decodeCommandResult,
  decodeValidateResult,
  DEFAULT_RESULTS_NAMESPACE,
  findResultSecretSelector,
  type ResultKind,
  type SecretObject,
} from './results.js';
import { maskResult } from '../kluctl/masking.js';
import { commandResultDiffs, decodeCompactedObjects, type ObjectDiff } from './resultDocuments.js';
import type { CommandResult, ValidateResult } from './types.js';

export interface ReadResultOptions {
  /** The controller's `--command-result-namespace`. */
  namespace?: string;
  signal?: AbortSignal;
  /** Show Secret values in changes; they are masked by default (the controller stores them in clear). */
  revealSecrets?: boolean;
}

/** A stored diff/deploy/prune result by id, Secret values masked unless revealed. */
export async function readCommandResult(
  client: KubeClient,
  resultId: string,
  options: ReadResultOptions = {},
): Promise<CommandResult> {
  const result = decodeCommandResult(await readResultSecret(client, 'command', resultId, options));
  return maskResult(result, { reveal: options.revealSecrets });
}

/** A stored result with its objects as document pairs for a diff editor (full manifests when stored). */
export async function readCommandResultDiffs(
  client: KubeClient,
  resultId: string,
  options: ReadResultOptions = {},
): Promise<{ result: CommandResult; diffs: ObjectDiff[] }> {
  const secret = await readResultSecret(client, 'command', resultId, options);
  return commandResultDiffs(decodeCommandResult(secret), decodeCompactedObjects(secret), {
    revealSecrets: options.revealSecrets,
  });
}

export async function readValidateResult(
  client: KubeClient,
  resultId: string,
  options: ReadResultOptions = {},
): Promise<ValidateResult> {
  return decodeValidateResult(await readResultSecret(client, 'validate', resultId, options));
}

async function readResultSecret(
  client: KubeClient,
  kind: ResultKind,
  resultId: string,
  options: ReadResultOptions,
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
    throw new Error(
      `${kind} result ${resultId} not found in namespace "${namespace}" (it may have been cleaned up already)`,
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
  options: Pick<ReadResultOptions, 'namespace' | 'signal'> = {},
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
