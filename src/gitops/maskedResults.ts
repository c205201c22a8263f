/** Stored results as the extension shows them: Secret values masked unless revealed, objects as document pairs. */
import type { KubeClient } from '../kube/client.js';
import { decodeCommandResult, decodeValidateResult } from '../kluctl/results.js';
import { readResultSecret } from '../kluctl/resultStore.js';
import { maskResult } from '../kluctl/masking.js';
import {
  commandResultDiffs,
  decodeCompactedObjects,
  type CompactedObject,
  type ObjectDiff,
} from './resultDocuments.js';
import type { CommandResult, ValidateResult } from '../kluctl/resultTypes.js';

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

/**
 * A stored result as read, unmasked, with its full manifests: for the object tree, whose documents are masked one
 * at a time when opened (resultObjectDocument).
 */
export async function readCommandResultObjects(
  client: KubeClient,
  resultId: string,
  options: ReadResultOptions = {},
): Promise<{ result: CommandResult; compacted: CompactedObject[] | undefined }> {
  const secret = await readResultSecret(client, 'command', resultId, options);
  return { result: decodeCommandResult(secret), compacted: decodeCompactedObjects(secret) };
}
