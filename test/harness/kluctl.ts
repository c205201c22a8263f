import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
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
}

/** `kluctl controller run` as a local process against the test cluster, logging JSON lines to a file. */
export class KluctlController {
  private constructor(
    private readonly process: ManagedProcess,
    readonly controllerNamespace: string,
    readonly resultsNamespace: string,
    /** Loopback port of the gRPC source-override server. */
    readonly sourceOverridePort: number,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  get logFile(): string {
    return this.process.logFile;
  }

  static async start(cluster: ClusterInfo | TestCluster, options: ControllerOptions): Promise<KluctlController> {
    const { kluctl } = testBinaries('kluctl');
    const controllerNamespace = options.controllerNamespace ?? 'kluctl-system';
    const resultsNamespace = options.resultsNamespace ?? 'kluctl-results';
    const client = clientForContext(loadKubeConfig(cluster.kubeconfig), cluster.context);
    // The source-override server needs its namespace to exist before it starts.
    await serverSideApply(
      client,
      new ResourceMapper(client),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: controllerNamespace } },
      { fieldManager: 'kluctl-test-harness' },
    );

    const sourceOverridePort = await freePort();
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const proc = ManagedProcess.start({
      name: 'kluctl-controller',
      command: kluctl,
      args: [
        'controller',
        'run',
        `--kubeconfig=${cluster.kubeconfig}`,
        `--context=${cluster.context}`,
        `--controller-namespace=${controllerNamespace}`,
        `--command-result-namespace=${resultsNamespace}`,
        ...(options.watchNamespace ? [`--namespace=${options.watchNamespace}`] : []),
        '--metrics-bind-address=0',
        '--health-probe-bind-address=0',
        `--source-override-bind-address=127.0.0.1:${sourceOverridePort}`,
      ],
      env: kluctlEnv(cluster.kubeconfig),
      logFile: options.logFile,
      detached: options.detached,
    });
    await waitUntil(
      'kluctl-controller start',
      () => (fs.readFileSync(options.logFile, 'utf8').includes('Starting workers') ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 500, process: proc },
    );
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
    return new KluctlController(proc, controllerNamespace, resultsNamespace, sourceOverridePort);
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
