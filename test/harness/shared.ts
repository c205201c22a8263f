import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestCluster } from './cluster.js';
import { GitServer } from './git-server.js';
import { KluctlController } from './kluctl.js';

/**
 * One cluster, one Git server and one kluctl-controller per test run, started on first use and shared by all
 * test files; each test works in namespaces of its own. Torn down by the mocha global teardown.
 * The cluster has simulated nodes (kube-controller-manager, kube-scheduler, kwok) and the controller is
 * installed like users install it, its Pod served by a local process (KluctlController `inPod`).
 */
let cluster: Promise<TestCluster> | undefined;
let gitServer: Promise<GitServer> | undefined;
let controller: Promise<KluctlController> | undefined;
let scratch: string | undefined;

export function sharedCluster(): Promise<TestCluster> {
  cluster ??= TestCluster.start({ simulatedNodes: true });
  return cluster;
}

export function sharedGitServer(): Promise<GitServer> {
  gitServer ??= GitServer.start(path.join(scratchDir(), 'git'));
  return gitServer;
}

/** The controller (in its Pod in kluctl-system) watches all namespaces; results go to `kluctl-results`. */
export function sharedController(): Promise<KluctlController> {
  controller ??= sharedCluster().then((c) =>
    KluctlController.start(c, { logFile: path.join(scratchDir(), 'kluctl-controller.log'), inPod: true }),
  );
  return controller;
}

/** A temp dir removed at the end of the run. */
export function scratchDir(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-test-run-'));
  return scratch;
}

let counter = 0;
/** A namespace name unique to this run and test. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
}

export async function teardownShared(): Promise<void> {
  const settle = async <T>(p: Promise<T> | undefined, stop: (v: T) => Promise<void>): Promise<void> => {
    if (!p) return;
    try {
      await stop(await p);
    } catch {
      // It never started; nothing to stop.
    }
  };
  await settle(controller, (c) => c.stop());
  await settle(gitServer, (g) => g.stop());
  await settle(cluster, (c) => c.stop());
  if (scratch && !process.env.KLUCTL_TEST_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
}
