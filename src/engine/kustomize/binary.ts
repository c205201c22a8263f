/** Building with a `kustomize` binary, configured as Kluctl configures kustomize (no plugins, no reordering). */

import { spawn } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/objects.js';
import { findOnPath } from '../../util/executables.js';
import { KustomizeError } from './errors.js';
import { CancelledError, isCancellation } from '../../util/errors.js';

/** `KLUCTL_KUSTOMIZE_BINARY`, else `kustomize` on PATH. */
export function findKustomizeBinary(): string | undefined {
  return process.env.KLUCTL_KUSTOMIZE_BINARY || findOnPath('kustomize');
}

/**
 * `kustomize build --load-restrictor LoadRestrictionsNone --reorder none`: objects in FIFO order like Kluctl's
 * krusty call (the deprecated `--reorder none` is the only CLI way to skip the legacy sort; `sortOptions` in a
 * kustomization still wins, as in Kluctl).
 */
export async function buildWithBinary(binary: string, dir: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const args = ['build', '--load-restrictor', 'LoadRestrictionsNone', '--reorder', 'none', dir];
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

function run(
  binary: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(
        isCancellation(e) ? new CancelledError(`${binary}`) : new KustomizeError(`cannot run ${binary}: ${e.message}`),
      ),
    );
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}
