import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to out/test/harness/paths.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const FIXTURES_ROOT = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const KLUCTL_EXAMPLES = path.join(FIXTURES_ROOT, 'kluctl-examples');

export type TestTool =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'kluctl'
  | 'kustomize'
  | 'helm'
  | 'sops'
  | 'age-keygen'
  | 'registry';

const resolved = new Map<string, string>();

/**
 * Absolute paths of the test peers, built from the Go module proxy on first use and cached outside the repo
 * (test/k8s-bins/build.sh). Build progress and timings are shown on stderr.
 */
export function testBinaries<T extends TestTool>(...tools: T[]): Record<T, string> {
  const missing = tools.filter((t) => !resolved.has(t));
  if (missing.length > 0) {
    const out = runBuildScript(missing);
    out.forEach((p, i) => resolved.set(missing[i], p));
  }
  return Object.fromEntries(tools.map((t) => [t, resolved.get(t)!])) as Record<T, string>;
}

/** The KluctlDeployment CRD manifest of the kluctl version the tests run. */
export function kluctlCrdPath(): string {
  if (!resolved.has('crd')) resolved.set('crd', runBuildScript(['--crd'])[0]);
  return resolved.get('crd')!;
}

/** The directory of the kwok module (its Stage manifests under kustomize/stage, its CRDs under kustomize/crd/bases). */
export function kwokModuleDir(): string {
  if (!resolved.has('kwok-dir')) resolved.set('kwok-dir', runBuildScript(['--kwok-dir'])[0]);
  return resolved.get('kwok-dir')!;
}

function runBuildScript(args: string[]): string[] {
  try {
    const stdout = execFileSync('bash', [path.join(REPO_ROOT, 'test', 'k8s-bins', 'build.sh'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 60 * 60 * 1000,
    });
    return stdout.trim().split('\n');
  } catch (error) {
    throw new Error(
      `test binaries unavailable (test/k8s-bins/build.sh ${args.join(' ')} failed): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
