import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { fileURLToPath } from 'node:url';
import type { KubeClient } from '../../src/kube/client.js';
import type { ClusterInfo, TestCluster } from './cluster.js';
import { testBinaries } from './paths.js';
import { freePort, ManagedProcess, waitUntil } from './processes.js';

export interface KluctlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for the real kluctl: our kubeconfig only, no update check, nothing interactive. */
export function kluctlEnv(kubeconfig: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KLUCTL_NO_UPDATE_CHECK: 'true',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Runs the real kluctl CLI; resolves with its exit code and output (a non-zero exit is not an exception). */
export function runKluctl(
  args: string[],
  options: { kubeconfig: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<KluctlRun> {
  const { kluctl } = testBinaries('kluctl');
  return new Promise((resolve, reject) => {
    execFile(
      kluctl,
      args,
      {
        cwd: options.cwd,
        env: kluctlEnv(options.kubeconfig, options.env),
        timeout: options.timeoutMs ?? 180_000,
        maxBuffer: 256 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new Error(`kluctl ${args.join(' ')}: ${error.message}${error.killed ? ' (timed out)' : ''}\n${stderr}`),
          );
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

export interface ControllerOptions {
  logFile: string;
  controllerNamespace?: string;
  resultsNamespace?: string;
  /** Watch only this namespace (plus the controller's); all by default. */
  watchNamespace?: string;
  detached?: boolean;
  /**
   * Install the controller like users do (`kluctl controller install`: namespace kluctl-system, CRD, RBAC,
   * Deployment) into a cluster with simulated nodes, and run the Pod's process here: `kluctl controller run`
   * with a kubeconfig carrying a token of the Pod's service account (TokenRequest API), so it has exactly the
   * RBAC the manifests grant. kwok routes the Pod's source-override port to this process (ClusterPortForward)
   * and serves its output as the Pod's logs (ClusterLogs). Needs a TestCluster started with `simulatedNodes`.
   */
  inPod?: boolean;
}

/** The names kluctl's own manifests give the controller (install/controller/controller/manager.yaml, rbac.yaml). */
export const CONTROLLER_POD = {
  namespace: 'kluctl-system',
  labelSelector: 'control-plane=kluctl-controller',
  serviceAccount: 'kluctl-controller',
  container: 'controller',
  sourceOverridePort: 8082,
};

interface PodInfo {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

/** `kluctl controller run` as a local process against the test cluster, logging JSON lines to a file. */
export class KluctlController {
  private constructor(
    private process: ManagedProcess,
    readonly controllerNamespace: string,
    readonly resultsNamespace: string,
    /** Loopback port of the gRPC source-override server. */
    readonly sourceOverridePort: number,
    /** The controller's own log (JSON lines), also in Pod mode. */
    readonly logFile: string,
    /** In Pod mode: the controller Pod this process serves, and the kwok objects routing to it. */
    private podState?: { name: string; uid: string; criLogFile: string; kwokObjects: string[] },
    /** In Pod mode: starts the process of a new Pod with this IP. */
    private readonly startContainer?: (podIp: string) => ManagedProcess,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  get pod(): { name: string; uid: string; criLogFile: string; kwokObjects: string[] } | undefined {
    return this.podState;
  }

  /**
   * What the kubelet does when the controller Pod is deleted: the Pod's container (this process) stops, and the
   * ReplicaSet's new Pod gets one of its own. Call after deleting the Pod; resolves when the new Pod's process
   * serves (the same log files go on, as kwok serves them for every controller Pod). `whileNoContainer` runs
   * after the old process has stopped and before the new Pod's starts: no controller runs meanwhile.
   */
  async followPodReplacement(
    client: KubeClient,
    options: { whileNoContainer?: () => Promise<void> } = {},
  ): Promise<void> {
    if (!this.podState || !this.startContainer) throw new Error('the controller does not run in a Pod');
    await this.process.stop();
    await options.whileNoContainer?.();
    const next = await waitForControllerPod(client, this.podState.uid);
    const starts = (): number => fs.readFileSync(this.logFile, 'utf8').split('Starting workers').length;
    const before = starts();
    this.process = this.startContainer(next.status!.podIP!);
    await waitUntil('the new controller Pod process start', () => (starts() > before ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 300,
      process: this.process,
    });
    this.podState = { ...this.podState, name: next.metadata.name, uid: next.metadata.uid };
  }

  static async start(cluster: ClusterInfo | TestCluster, options: ControllerOptions): Promise<KluctlController> {
    const { kluctl } = testBinaries('kluctl');
    const controllerNamespace = options.inPod
      ? CONTROLLER_POD.namespace
      : (options.controllerNamespace ?? 'kluctl-system');
    const resultsNamespace = options.resultsNamespace ?? 'kluctl-results';
    const client = clientForContext(loadKubeConfig(cluster.kubeconfig), cluster.context);
    let kubeconfig = cluster.kubeconfig;
    let context = cluster.context;
    let pod: PodInfo | undefined;
    if (options.inPod) {
      if (!('tokenKubeconfig' in cluster)) throw new Error('a controller in a Pod needs a TestCluster');
      pod = await installController(cluster, client, resultsNamespace);
      const token = await serviceAccountToken(client);
      kubeconfig = cluster.tokenKubeconfig('kluctl-controller', token);
      context = 'kluctl-controller';
    } else {
      // The source-override server needs its namespace to exist before it starts.
      await serverSideApply(
        client,
        new ResourceMapper(client),
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: controllerNamespace } },
        { fieldManager: 'kluctl-test-harness' },
      );
    }

    const sourceOverridePort = await freePort();
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const args = [
      'controller',
      'run',
      `--kubeconfig=${kubeconfig}`,
      `--context=${context}`,
      `--controller-namespace=${controllerNamespace}`,
      `--command-result-namespace=${resultsNamespace}`,
      ...(options.watchNamespace ? [`--namespace=${options.watchNamespace}`] : []),
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      `--source-override-bind-address=127.0.0.1:${sourceOverridePort}`,
    ];
    const criLogFile = `${options.logFile}.cri`;
    const startContainer = (podIp: string): ManagedProcess =>
      ManagedProcess.start({
        name: 'kluctl-controller (Pod)',
        command: process.execPath,
        args: [
          containerMain(),
          options.logFile,
          criLogFile,
          `${podIp}:${CONTROLLER_POD.sourceOverridePort}=${sourceOverridePort}`,
          kluctl,
          ...args,
        ],
        env: kluctlEnv(kubeconfig),
        logFile: `${options.logFile}.container`,
        detached: options.detached,
      });
    const proc = pod
      ? startContainer(pod.status!.podIP!)
      : ManagedProcess.start({
          name: 'kluctl-controller',
          command: kluctl,
          args,
          env: kluctlEnv(cluster.kubeconfig),
          logFile: options.logFile,
          detached: options.detached,
        });
    const logText = (): string => (fs.existsSync(options.logFile) ? fs.readFileSync(options.logFile, 'utf8') : '');
    await waitUntil('kluctl-controller start', () => (logText().includes('Starting workers') ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 500,
      process: proc,
    });
    // The source-override CA (two RSA-4096 keys) can take seconds more; clients need it.
    await waitUntil(
      'kluctl-controller source-override CA',
      async () =>
        (await getObject(client, new ResourceMapper(client), {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: controllerNamespace,
          name: 'kluctl-source-override-ca',
        }))
          ? true
          : undefined,
      { timeoutMs: 90_000, intervalMs: 500, process: proc },
    );
    let podInfo: KluctlController['pod'];
    if (pod) {
      const kwokObjects = await routePodToProcess(client, sourceOverridePort, criLogFile);
      podInfo = { name: pod.metadata.name, uid: pod.metadata.uid, criLogFile, kwokObjects };
    }
    return new KluctlController(
      proc,
      controllerNamespace,
      resultsNamespace,
      sourceOverridePort,
      options.logFile,
      podInfo,
      pod ? startContainer : undefined,
    );
  }

  /** Controller log lines as parsed JSON (non-JSON lines are skipped, like the kluctl CLI does). */
  logLines(): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of fs.readFileSync(this.logFile, 'utf8').split('\n')) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log record
      }
    }
    return lines;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

function containerMain(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'container-main.js');
}

/** `kluctl controller install`, then the controller Pod that kube-scheduler placed and kwok made Ready. */
async function installController(cluster: TestCluster, client: KubeClient, resultsNamespace: string): Promise<PodInfo> {
  const run = await runKluctl(
    [
      'controller',
      'install',
      '--yes',
      `--context=${cluster.context}`,
      `--command-result-namespace=${resultsNamespace}`,
    ],
    { kubeconfig: cluster.kubeconfig, timeoutMs: 300_000 },
  );
  if (run.code !== 0) throw new Error(`kluctl controller install failed (exit ${run.code}):\n${run.stderr}`);
  return waitForControllerPod(client);
}

/** The Running, Ready controller Pod (not one being deleted), once there is one. */
export function waitForControllerPod(client: KubeClient, notUid?: string, timeoutMs = 120_000): Promise<PodInfo> {
  return waitUntil(
    'the kluctl-controller Pod Running and Ready',
    async () => {
      const pods = await client.requestJson<{ items: PodInfo[] }>({
        path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/pods`,
        query: { labelSelector: CONTROLLER_POD.labelSelector },
      });
      return pods.items.find(
        (p) =>
          p.metadata.uid !== notUid &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase === 'Running' &&
          !!p.status.podIP &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** A token of the controller's service account from the TokenRequest API (valid for a week: the sandbox lives long). */
async function serviceAccountToken(client: KubeClient): Promise<string> {
  const response = await client.requestJson<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/serviceaccounts/${CONTROLLER_POD.serviceAccount}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 7 * 24 * 3600 },
    },
    description: `request a token for service account ${CONTROLLER_POD.namespace}/${CONTROLLER_POD.serviceAccount}`,
  });
  return response.status.token;
}

/**
 * kwok objects that make every controller Pod of kluctl-system behave as if this process ran in it: its
 * source-override port forwards to the process, its container logs are the process's output.
 */
async function routePodToProcess(client: KubeClient, localPort: number, criLogFile: string): Promise<string[]> {
  const mapper = new ResourceMapper(client);
  const selector = { matchNamespaces: [CONTROLLER_POD.namespace] };
  const objects = [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name: 'kluctl-controller-source-override' },
      spec: {
        selector,
        forwards: [{ ports: [CONTROLLER_POD.sourceOverridePort], target: { address: '127.0.0.1', port: localPort } }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'kluctl-controller-logs' },
      spec: { selector, logs: [{ containers: [CONTROLLER_POD.container], logsFile: criLogFile, follow: true }] },
    },
  ];
  for (const o of objects)
    await serverSideApply(client, mapper, o, { fieldManager: 'kluctl-test-harness', force: true });
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}
