import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeClient } from '../../src/kube/client.js';
import type { ClusterCerts } from './certs.js';
import { kwokModuleDir, testBinaries } from './paths.js';
import { freePort, ManagedProcess, waitUntil } from './processes.js';

/**
 * What a real cluster has around the API server, for the test cluster: kube-controller-manager (Deployments get
 * ReplicaSets and Pods, garbage collection, namespace deletion, service accounts), kube-scheduler (Pods get a
 * node), and kwok, which simulates the nodes' kubelets: it drives node and Pod status through its Stage rules
 * and serves the kubelet API (container logs, port-forward) that the API server's node proxy calls.
 *
 * Wiring, as verified by running it here (kwok v0.8.0, kube 1.36.2):
 * - kwok's kubelet server listens on `--server-address=127.0.0.1:<port>` with TLS (`--tls-cert-file`); it asks
 *   for no client certificate. We give it the API server's serving certificate (SAN IP:127.0.0.1, signed by the
 *   cluster CA), so the API server verifies it with `--kubelet-certificate-authority` instead of skipping
 *   verification, and presents `--kubelet-client-certificate`.
 * - The node's address: kwok's node-initialize stage fills `status.addresses` with InternalIP = `--node-ip` and
 *   Hostname = the node name, and `status.daemonEndpoints.kubeletEndpoint.Port` = `--node-port`. The node name
 *   does not resolve, so the API server needs `--kubelet-preferred-address-types=InternalIP` (kwokctl leaves the
 *   default, Hostname first, and its nodes carry unroutable TEST-NET addresses).
 * - Stages come from kwok's own module (kustomize/stage: node-initialize, node heartbeat with a Lease, pod-ready,
 *   pod-complete, pod-delete), passed as `--config` files; without them kwok refuses to start ("no stages found").
 * - ClusterPortForward and ClusterLogs are read as CRD objects (`--enable-crds`), so a test can add them after
 *   start-up; their CRDs come from kwok's module and must exist before kwok starts.
 * - Pod IPs come from `--cidr` (the node has no podCIDR). We give each cluster a random loopback /24
 *   (127.x.y.0/24): a process standing in for a Pod's container can then listen on the Pod's IP, so a client that
 *   dials the Pod IP (the kluctl-controller dials its own source-override URL, which names its Pod IP) reaches it.
 * - kwok's logs endpoint parses the file as a container runtime writes it (CRI lines:
 *   `<RFC3339Nano> stdout|stderr F <text>`); plain lines fail with "unsupported log format".
 */
export interface NodeSimulation {
  processes: { controllerManager: ManagedProcess; scheduler: ManagedProcess; kwok: ManagedProcess };
  nodeNames: string[];
  /** Where kwok takes Pod IPs from: a random loopback /24, so a Pod's IP can be served by a local process. */
  podCidr: string;
}

export const KWOK_NODE_LABELS = { type: 'kwok' };

/** The API server flags that make its node proxy reach kwok's kubelet server. */
export function kubeletFlags(certs: ClusterCerts): string[] {
  return [
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-certificate-authority=${certs.caCert}`,
    `--kubelet-client-certificate=${certs.adminCert}`,
    `--kubelet-client-key=${certs.adminKey}`,
  ];
}

/** The kwok CRDs the harness uses (applied before kwok starts). */
export function kwokCrdFiles(): string[] {
  const dir = path.join(kwokModuleDir(), 'kustomize', 'crd', 'bases');
  return ['kwok.x-k8s.io_clusterportforwards.yaml', 'kwok.x-k8s.io_clusterlogs.yaml'].map((f) => path.join(dir, f));
}

function stageFiles(): string[] {
  const dir = path.join(kwokModuleDir(), 'kustomize', 'stage');
  const files = [
    'node/fast/node-initialize.yaml',
    'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
  ].map((f) => path.join(dir, f));
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`kwok stage manifest missing: ${f}`);
  return files;
}

export interface StartNodeSimulationOptions {
  workDir: string;
  kubeconfig: string;
  certs: ClusterCerts;
  client: KubeClient;
  detached?: boolean;
  nodes?: number;
}

export async function startNodeSimulation(options: StartNodeSimulationOptions): Promise<NodeSimulation> {
  const bins = testBinaries('kube-controller-manager', 'kube-scheduler', 'kwok');
  const { workDir, kubeconfig, certs } = options;
  const started: ManagedProcess[] = [];
  try {
    const controllerManager = ManagedProcess.start({
      name: 'kube-controller-manager',
      command: bins['kube-controller-manager'],
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        `--service-account-private-key-file=${certs.serviceAccountKey}`,
        `--root-ca-file=${certs.caCert}`,
        // No cloud, no node IPAM: kwok gives Pods their IPs.
        '--allocate-node-cidrs=false',
        '--profiling=false',
      ],
      logFile: path.join(workDir, 'kube-controller-manager.log'),
      detached: options.detached,
    });
    started.push(controllerManager);
    const scheduler = ManagedProcess.start({
      name: 'kube-scheduler',
      command: bins['kube-scheduler'],
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        '--profiling=false',
      ],
      logFile: path.join(workDir, 'kube-scheduler.log'),
      detached: options.detached,
    });
    started.push(scheduler);

    const kubeletPort = await freePort();
    const podCidr = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.0/24`;
    // kwok also reads ~/.kwok/kwok.yaml when it exists: give it a home of its own.
    const kwokHome = path.join(workDir, 'kwok-home');
    fs.mkdirSync(kwokHome, { recursive: true });
    const kwok = ManagedProcess.start({
      name: 'kwok',
      command: bins.kwok,
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--manage-all-nodes=true',
        '--node-ip=127.0.0.1',
        `--node-port=${kubeletPort}`,
        `--server-address=127.0.0.1:${kubeletPort}`,
        `--tls-cert-file=${certs.serverCert}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--cidr=${podCidr}`,
        '--node-lease-duration-seconds=40',
        '--enable-crds=ClusterPortForward,ClusterLogs',
        ...stageFiles().map((f) => `--config=${f}`),
      ],
      env: { ...process.env, HOME: kwokHome },
      logFile: path.join(workDir, 'kwok.log'),
      detached: options.detached,
    });
    started.push(kwok);

    const nodeNames = Array.from({ length: options.nodes ?? 1 }, (_, i) => `kwok-node-${i}`);
    for (const name of nodeNames) {
      await options.client.requestJson({
        method: 'POST',
        path: '/api/v1/nodes',
        body: {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
            labels: {
              ...KWOK_NODE_LABELS,
              'kubernetes.io/hostname': name,
              'kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
            },
          },
        },
        description: `create node ${name}`,
      });
    }
    for (const name of nodeNames) {
      await waitUntil(
        `kwok node ${name} Ready`,
        async () => {
          const node = await options.client.requestJson<{
            status?: { conditions?: Array<{ type: string; status: string }> };
          }>({ path: `/api/v1/nodes/${name}` });
          return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 300, process: kwok },
      );
    }
    for (const p of [controllerManager, scheduler])
      if (p.hasExited) throw new Error(`${p.name} failed to start: ${p.describeExit()}`);
    return { processes: { controllerManager, scheduler, kwok }, nodeNames, podCidr };
  } catch (error) {
    for (const p of started.reverse()) await p.stop();
    throw error;
  }
}
