import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { type KubeClient } from '../../src/kube/client.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { generateClusterCerts, issueClientCert, type ClusterCerts } from './certs.js';
import { kubeletFlags, kwokCrdFiles, startNodeSimulation, type NodeSimulation } from './kwok.js';
import { kluctlCrdPath, testBinaries } from './paths.js';
import { assertPortFree, freePort, ManagedProcess, waitUntil } from './processes.js';

export const TEST_CONTEXT = 'kluctl-test';

export interface ClusterInfo {
  workDir: string;
  kubeconfig: string;
  context: string;
  server: string;
  pids: { etcd: number; apiserver: number; controllerManager?: number; scheduler?: number; kwok?: number };
  /** The API server's audit log (pods/log and pods/portforward requests only; see AUDIT_POLICY). */
  auditLog: string;
}

export interface StartClusterOptions {
  /** Where certs, etcd data, logs and the kubeconfig go; a fresh temp dir by default (removed on stop). */
  workDir?: string;
  /** Processes outlive this Node process (the sandbox). */
  detached?: boolean;
  /** Fixed apiserver port instead of a free random one. */
  apiserverPort?: number;
  /** Install the KluctlDeployment CRD (default true). */
  installCrd?: boolean;
  /**
   * Also run kube-controller-manager, kube-scheduler and kwok with simulated nodes (harness/kwok.ts), so
   * Deployments get Pods that are scheduled and become Ready, and pods/log and pods/portforward work through
   * the API server's node proxy. Off by default: it costs start-up time and CPU.
   */
  simulatedNodes?: boolean;
}

/**
 * What the API server's audit log records: only the requests whose path a test asserts (container logs and
 * port-forwards), at Metadata level, so the log stays small.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources:
  - group: ""
    resources: ["pods/log", "pods/portforward"]
- level: None
`;

/** One entry of the API server's audit log, the fields tests read. */
export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/**
 * A real etcd + kube-apiserver on loopback, envtest-style: no kubelet, no controllers (no garbage collection,
 * namespaces never finish terminating), but real API semantics: server-side apply, admission, RBAC, CRDs, watches.
 */
export class TestCluster implements ClusterInfo {
  private constructor(
    readonly workDir: string,
    readonly kubeconfig: string,
    readonly context: string,
    readonly server: string,
    private readonly etcd: ManagedProcess,
    private readonly apiserver: ManagedProcess,
    private readonly ownsWorkDir: boolean,
    readonly auditLog: string,
    private nodes?: NodeSimulation,
  ) {}

  get pids(): ClusterInfo['pids'] {
    const sim = this.nodes?.processes;
    return {
      etcd: this.etcd.pid,
      apiserver: this.apiserver.pid,
      ...(sim
        ? { controllerManager: sim.controllerManager.pid, scheduler: sim.scheduler.pid, kwok: sim.kwok.pid }
        : {}),
    };
  }

  /** The range of Pod IPs on the simulated nodes (a loopback /24), if any. */
  get podCidr(): string | undefined {
    return this.nodes?.podCidr;
  }

  /** The simulated nodes' names (empty without `simulatedNodes`). */
  get nodeNames(): string[] {
    return this.nodes?.nodeNames ?? [];
  }

  /** Audit events of pods/log and pods/portforward requests so far. */
  auditEvents(): AuditEvent[] {
    return readAuditLog(this.auditLog);
  }

  /** A client of the admin context. */
  client(timeoutMs?: number): KubeClient {
    return clientForContext(loadKubeConfig(this.kubeconfig), this.context, timeoutMs);
  }

  static async start(options: StartClusterOptions = {}): Promise<TestCluster> {
    const ownsWorkDir = !options.workDir;
    const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-test-cluster-'));
    try {
      return await TestCluster.startIn(workDir, ownsWorkDir, options);
    } catch (error) {
      if (ownsWorkDir && !process.env.KLUCTL_TEST_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async startIn(
    workDir: string,
    ownsWorkDir: boolean,
    options: StartClusterOptions,
  ): Promise<TestCluster> {
    const bins = testBinaries('etcd', 'kube-apiserver');
    fs.mkdirSync(workDir, { recursive: true });
    const started = Date.now();
    const certs = generateClusterCerts(path.join(workDir, 'pki'));

    const { etcd, apiserver, apiPort } = await startControlPlane(bins, certs, workDir, options);

    const kubeconfig = path.join(workDir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigYaml(`https://127.0.0.1:${apiPort}`, certs), { mode: 0o600 });
    const cluster = new TestCluster(
      workDir,
      kubeconfig,
      TEST_CONTEXT,
      `https://127.0.0.1:${apiPort}`,
      etcd,
      apiserver,
      ownsWorkDir,
      path.join(workDir, 'audit.log'),
    );
    try {
      if (options.installCrd ?? true) await cluster.applyManifestFile(kluctlCrdPath(), { waitEstablished: true });
      if (options.simulatedNodes) {
        for (const crd of kwokCrdFiles()) await cluster.applyManifestFile(crd, { waitEstablished: true });
        cluster.nodes = await startNodeSimulation({
          workDir,
          kubeconfig,
          certs,
          client: cluster.client(),
          detached: options.detached,
        });
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    process.stderr.write(
      `test cluster: kube-apiserver${options.simulatedNodes ? ' with simulated nodes' : ''} ready at ${cluster.server} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
    return cluster;
  }

  /**
   * A kubeconfig for a non-admin user (client certificate, context named after the user), for RBAC tests.
   * The user can do nothing until the test grants it roles.
   */
  userKubeconfig(name: string, groups: string[] = []): string {
    const pki = path.join(this.workDir, 'pki');
    const { cert, key } = issueClientCert(pki, name, groups);
    const file = path.join(this.workDir, `kubeconfig-${name}`);
    const certs = { caCert: path.join(pki, 'ca.crt'), adminCert: cert, adminKey: key };
    fs.writeFileSync(file, kubeconfigYaml(this.server, certs, name), { mode: 0o600 });
    return file;
  }

  /** A kubeconfig that authenticates with a bearer token (a service account's, from the TokenRequest API). */
  tokenKubeconfig(name: string, token: string): string {
    const file = path.join(this.workDir, `kubeconfig-${name}`);
    const ca = fs.readFileSync(path.join(this.workDir, 'pki', 'ca.crt')).toString('base64');
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: ${name}, cluster: {server: "${this.server}", certificate-authority-data: ${ca}}}]`,
      `users: [{name: ${name}, user: {token: "${token}"}}]`,
      `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]`,
      `current-context: ${name}`,
      '',
    ].join('\n');
    fs.writeFileSync(file, yaml, { mode: 0o600 });
    return file;
  }

  /** Server-side applies every document of a YAML file; CRDs can be awaited until Established. */
  async applyManifestFile(file: string, options: { waitEstablished?: boolean } = {}): Promise<KubeObject[]> {
    const client = this.client();
    const mapper = new ResourceMapper(client);
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    const applied: KubeObject[] = [];
    for (const doc of docs)
      applied.push(await serverSideApply(client, mapper, doc, { fieldManager: 'kluctl-test-harness', force: true }));
    if (options.waitEstablished) {
      for (const crd of applied.filter((o) => o.kind === 'CustomResourceDefinition')) {
        await waitUntil(
          `CRD ${crd.metadata.name} Established`,
          async () => {
            const current = await client.requestJson<{
              status?: { conditions?: Array<{ type: string; status: string }> };
            }>({
              path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
            });
            return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
              ? true
              : undefined;
          },
          { timeoutMs: 30_000 },
        );
      }
    }
    return applied;
  }

  async stop(): Promise<void> {
    const sim = this.nodes?.processes;
    if (sim) for (const p of [sim.kwok, sim.scheduler, sim.controllerManager]) await p.stop();
    await this.apiserver.stop();
    await this.etcd.stop();
    if (this.ownsWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

function apiserverArgs(certs: ClusterCerts, etcdPort: number, apiPort: number, workDir: string): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${path.join(workDir, 'pki')}`,
    `--tls-cert-file=${certs.serverCert}`,
    `--tls-private-key-file=${certs.serverKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--service-account-issuer=https://127.0.0.1:${apiPort}/`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--authorization-mode=RBAC',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
  ];
}

function auditArgs(workDir: string): string[] {
  const policy = path.join(workDir, 'audit-policy.yaml');
  fs.writeFileSync(policy, AUDIT_POLICY);
  return [`--audit-policy-file=${policy}`, `--audit-log-path=${path.join(workDir, 'audit.log')}`];
}

/** The audit log's events (JSON lines); an absent log has none. */
export function readAuditLog(file: string): AuditEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      // a line being written
    }
  }
  return events;
}

function kubeconfigYaml(
  server: string,
  certs: Pick<ClusterCerts, 'caCert' | 'adminCert' | 'adminKey'>,
  context = TEST_CONTEXT,
): string {
  const b64 = (file: string): string => fs.readFileSync(file).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(certs.caCert)}`,
    'users:',
    `- name: ${context}-user`,
    '  user:',
    `    client-certificate-data: ${b64(certs.adminCert)}`,
    `    client-key-data: ${b64(certs.adminKey)}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}-user`,
    `current-context: ${context}`,
    '',
  ].join('\n');
}

async function httpOk(url: string): Promise<true | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok ? true : undefined;
}

function httpsOk(url: string, certs: ClusterCerts): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: fs.readFileSync(certs.caCert),
        cert: fs.readFileSync(certs.adminCert),
        key: fs.readFileSync(certs.adminKey),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? true : undefined);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * Starts etcd and kube-apiserver on ports that were free a moment ago. Another process (any outgoing
 * connection takes an ephemeral port) can take such a port before the server binds it: that clash is
 * retried with new ports, a bounded number of times, unless the caller chose the API server's port.
 */
async function startControlPlane(
  bins: Record<'etcd' | 'kube-apiserver', string>,
  certs: ClusterCerts,
  workDir: string,
  options: StartClusterOptions,
): Promise<{ etcd: ManagedProcess; apiserver: ManagedProcess; apiPort: number }> {
  const attempts = options.apiserverPort ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startControlPlaneOnce(bins, certs, workDir, options);
    } catch (error) {
      if (attempt >= attempts || !/address already in use/.test(String(error))) throw error;
      process.stderr.write(`test cluster: a port was taken before the server bound it, retrying with new ports\n`);
      fs.rmSync(path.join(workDir, 'etcd-data'), { recursive: true, force: true });
    }
  }
}

async function startControlPlaneOnce(
  bins: Record<'etcd' | 'kube-apiserver', string>,
  certs: ClusterCerts,
  workDir: string,
  options: StartClusterOptions,
): Promise<{ etcd: ManagedProcess; apiserver: ManagedProcess; apiPort: number }> {
  const [etcdPort, etcdPeerPort] = [await freePort(), await freePort()];
  const apiPort = options.apiserverPort ?? (await freePort());
  await assertPortFree(apiPort, 'kube-apiserver');

  const etcd = ManagedProcess.start({
    name: 'etcd',
    command: bins.etcd,
    args: [
      `--data-dir=${path.join(workDir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      '--listen-metrics-urls=',
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
    ],
    logFile: path.join(workDir, 'etcd.log'),
    detached: options.detached,
  });
  let apiserver: ManagedProcess | undefined;
  try {
    await waitUntil('etcd', () => httpOk(`http://127.0.0.1:${etcdPort}/health`), {
      timeoutMs: 30_000,
      process: etcd,
    });
    apiserver = ManagedProcess.start({
      name: 'kube-apiserver',
      command: bins['kube-apiserver'],
      args: [
        ...apiserverArgs(certs, etcdPort, apiPort, workDir),
        ...auditArgs(workDir),
        ...(options.simulatedNodes ? kubeletFlags(certs) : []),
      ],
      logFile: path.join(workDir, 'kube-apiserver.log'),
      detached: options.detached,
    });
    const readyz = `https://127.0.0.1:${apiPort}/readyz`;
    await waitUntil('kube-apiserver /readyz', () => httpsOk(readyz, certs), {
      timeoutMs: 90_000,
      intervalMs: 300,
      process: apiserver,
    });
  } catch (error) {
    await apiserver?.stop();
    await etcd.stop();
    throw error;
  }

  return { etcd, apiserver, apiPort };
}
