import * as fs from 'node:fs';
import * as path from 'node:path';
import { getDeployment, mergePatchDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { buildManualRequest, newRequestValue, requestPatch } from '../../src/gitops/requests.js';
import type { KluctlDeployment } from '../../src/kluctl/types.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { type KubeClient } from '../../src/kube/client.js';
import { configureIdentity, git } from './git-server.js';
import { runKluctl } from './kluctl.js';
import { REPO_ROOT } from './paths.js';
import type { SandboxState } from './sandbox.js';

/**
 * The sample GitOps repository of the main job (test/sample-gitops): published to the sandbox's Git server,
 * bootstrapped like the Kluctl GitOps recipe does (`kluctl deploy -t gitops` once; the controller takes over).
 */
export const SAMPLE_SOURCE = path.join(REPO_ROOT, 'test', 'sample-gitops');
export const SAMPLE_REPO = 'sample-gitops';
/** The `clusters/<cluster>` folder of the sample that the sandbox is. */
export const SAMPLE_CLUSTER = 'sandbox';
export const SAMPLE_NAMESPACE = 'kluctl-gitops';
export const SAMPLE_DEPLOYMENTS = ['gitops', 'app1', 'app2'] as const;

export interface PublishedSample {
  url: string;
  commit: string;
  /** False when the Git server already had exactly these files (nothing was pushed). */
  changed: boolean;
  /** A clean checkout of `commit` (never the user's clone, which may hold uncommitted changes). */
  checkout: string;
}

export function sampleUrl(state: SandboxState): string {
  return `${state.gitBaseUrl}/${SAMPLE_REPO}.git`;
}

/** Commits test/sample-gitops as the new tip of `main` and pushes it, unless the tip already has these files. */
export function publishSample(state: SandboxState): PublishedSample {
  const url = sampleUrl(state);
  const bare = path.join(state.gitRoot, `${SAMPLE_REPO}.git`);
  if (!fs.existsSync(bare)) {
    git(state.gitRoot, 'init', '--bare', '--quiet', '--initial-branch=main', bare);
    git(bare, 'config', 'http.receivepack', 'true');
  }
  const checkout = path.join(state.dir, 'sample-publish');
  if (!fs.existsSync(path.join(checkout, '.git'))) {
    fs.mkdirSync(checkout, { recursive: true });
    git(checkout, 'init', '--quiet', '--initial-branch=main');
    configureIdentity(checkout);
    git(checkout, 'remote', 'add', 'origin', url);
  }
  git(checkout, 'fetch', '--quiet', 'origin');
  const remoteHasMain = git(checkout, 'ls-remote', '--heads', 'origin', 'main').trim() !== '';
  if (remoteHasMain) git(checkout, 'reset', '--quiet', '--hard', 'origin/main');
  for (const entry of fs.readdirSync(checkout)) {
    if (entry !== '.git') fs.rmSync(path.join(checkout, entry), { recursive: true, force: true });
  }
  fs.cpSync(SAMPLE_SOURCE, checkout, { recursive: true });
  git(checkout, 'add', '--all');
  if (remoteHasMain && git(checkout, 'status', '--porcelain').trim() === '') {
    return { url, commit: git(checkout, 'rev-parse', 'HEAD').trim(), changed: false, checkout };
  }
  git(
    checkout,
    'commit',
    '--quiet',
    '-m',
    remoteHasMain ? 'Update the sample from test/sample-gitops' : 'The sample GitOps project',
  );
  git(checkout, 'push', '--quiet', 'origin', 'HEAD:main');
  return { url, commit: git(checkout, 'rev-parse', 'HEAD').trim(), changed: true, checkout };
}

export function sampleRef(name: string): DeploymentRef {
  return { namespace: SAMPLE_NAMESPACE, name };
}

async function findDeployment(client: KubeClient, name: string): Promise<KluctlDeployment | undefined> {
  try {
    return await getDeployment(client, sampleRef(name));
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) return undefined;
    throw error;
  }
}

/**
 * Puts the published commit into effect: the one-time bootstrap when the GitOps deployment is missing or its files
 * changed, then a reconcile request to every sample deployment that exists, so none waits for its 5m interval.
 * Returns what it did, for the user.
 */
export async function applySample(state: SandboxState, client: KubeClient, sample: PublishedSample): Promise<string> {
  const existed = (await findDeployment(client, 'gitops')) !== undefined;
  if (existed && !sample.changed) return 'the KluctlDeployments are up to date';
  const args = [
    'deploy',
    '--yes',
    '-t',
    'gitops',
    '-a',
    `cluster_name=${SAMPLE_CLUSTER}`,
    '-a',
    `repo_url=${sample.url}`,
  ];
  const run = await runKluctl(args, {
    kubeconfig: state.kubeconfig,
    cwd: path.join(sample.checkout, 'gitops'),
    timeoutMs: 300_000,
  });
  if (run.code !== 0) {
    throw new Error(
      `bootstrapping the sample failed: kluctl ${args.join(' ')} exited with ${run.code}:\n${run.stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
  }
  if (existed) await requestReconcile(client);
  return `${existed ? 'updated' : 'bootstrapped'} the GitOps deployment (kluctl deploy -t gitops)`;
}

async function requestReconcile(client: KubeClient): Promise<void> {
  for (const name of SAMPLE_DEPLOYMENTS) {
    if (!(await findDeployment(client, name))) continue;
    await mergePatchDeployment(
      client,
      sampleRef(name),
      requestPatch('reconcile', buildManualRequest(newRequestValue())),
      'request reconcile of',
    );
  }
}

export interface DeploymentReadiness {
  name: string;
  ready: boolean;
  /** The Ready condition's message, or why it is not there yet. */
  message: string;
}

/** Ready=True for the published commit (an older commit's Ready does not count). */
export function readiness(name: string, kd: KluctlDeployment | undefined, commit: string): DeploymentReadiness {
  if (!kd) return { name, ready: false, message: 'not created yet' };
  const condition = kd.status?.conditions?.find((c) => c.type === 'Ready');
  if (!condition) return { name, ready: false, message: 'not reconciled yet' };
  const current = kd.status?.observedCommit === commit;
  return {
    name,
    ready: condition.status === 'True' && current,
    message: current
      ? `${condition.reason ?? ''}: ${condition.message ?? ''}`
      : `${condition.message ?? ''} (still at an older commit)`,
  };
}

/**
 * Waits until every sample deployment is Ready for `commit`; reports each one as it becomes ready. Resolves with the
 * last readiness of each (some not ready when the time ran out).
 */
export async function waitForSample(
  client: KubeClient,
  commit: string,
  options: { timeoutMs: number; signal?: AbortSignal; onReady?(name: string): void },
): Promise<DeploymentReadiness[]> {
  const deadline = Date.now() + options.timeoutMs;
  const reported = new Set<string>();
  for (;;) {
    const states = await Promise.all(
      SAMPLE_DEPLOYMENTS.map(async (name) => readiness(name, await findDeployment(client, name), commit)),
    );
    for (const s of states) {
      if (s.ready && !reported.has(s.name)) {
        reported.add(s.name);
        options.onReady?.(s.name);
      }
    }
    if (states.every((s) => s.ready) || Date.now() > deadline) return states;
    if (options.signal?.aborted) throw new Error('interrupted');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
