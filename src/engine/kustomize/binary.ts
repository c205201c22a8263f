/** Building with a `kustomize` binary, configured as Kluctl configures kustomize (no plugins, no reordering). */

import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/objects.js';
import { findOnPath } from '../../util/executables.js';
import { ProcessTimeoutError, runProcess } from '../../util/run-process.js';
import { KustomizeError } from '../errors.js';
import { CancelledError, isCancellation } from '../../util/errors.js';

/** `KLUCTL_KUSTOMIZE_BINARY`, else `kustomize` on PATH. */
export function findKustomizeBinary(): string | undefined {
  return process.env.KLUCTL_KUSTOMIZE_BINARY || findOnPath('kustomize');
}

/**
 * `kustomize build --load-restrictor LoadRestrictionsNone --reorder none`: objects in FIFO order like Kluctl's
 * krusty call (the deprecated `--reorder none` is the only CLI way to skip the legacy sort; `sortOptions` in a
 * kustomization still wins, as in Kluctl). The caller confines the build to the project first (confine.ts); the
 * directory follows `--`.
 */
export async function buildWithBinary(binary: string, dir: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const args = ['build', '--load-restrictor=LoadRestrictionsNone', '--reorder=none', '--', path.resolve(dir)];
  const { code, stdout, stderr } = await run(binary, args, signal);
  if (code !== 0) {
    const message = stderr
      .split('\n')
      .filter((l) => l && !l.startsWith('Flag --reorder has been deprecated') && !l.startsWith('# Warning:'))
      .join('\n')
      .replace(/^Error: /, '');
    throw new KustomizeError(`kustomize build failed: ${message || `exit code ${code}`}`, dir);
  }
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) throw new KustomizeError(`unreadable kustomize output: ${doc.errors[0].message}`, dir);
    const value = doc.toJS({ maxAliasCount: -1 }) as KubeObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

const KUSTOMIZE_TIMEOUT_MS = 5 * 60_000;

async function run(
  binary: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await runProcess(binary, args, { signal, timeoutMs: KUSTOMIZE_TIMEOUT_MS });
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  } catch (e) {
    if (isCancellation(e)) throw new CancelledError(binary);
    if (e instanceof ProcessTimeoutError)
      throw new KustomizeError(`kustomize build did not finish within ${KUSTOMIZE_TIMEOUT_MS / 1000}s`);
    throw new KustomizeError(`cannot run ${binary}: ${(e as Error).message}`);
  }
}
