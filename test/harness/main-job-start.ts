import * as fs from 'node:fs';
import * as path from 'node:path';
import { findOnPath } from '../../src/util/executables.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { applySample, publishSample, waitForSample, type DeploymentReadiness } from './main-job-sample.js';
import { packageExtension, prepareWorkspace, startCodeServer, type CodeServer } from './main-job-vscode.js';
import { isAlive, signalGroup } from './processes.js';
import { recordSandboxProcess, sandboxDir, sandboxDown, sandboxUp, type SandboxState } from './sandbox.js';

/**
 * The main job (`npm start`): the sandbox, the sample GitOps project deployed through the real controller, and
 * VS Code (code-server) with the packaged extension on a clone of the sample. stop() ends what this run started.
 */
export interface MainJob {
  /** Opens VS Code on the clone. */
  url: string;
  workspace: string;
  state: SandboxState;
  commit: string;
  sandboxReused: boolean;
  readiness: DeploymentReadiness[];
  codeServerPid: number;
  /** Resolves (with why) if code-server exits on its own, e.g. after `npm run sandbox:down`. */
  codeServerExited: Promise<string>;
  /** Stops code-server and, unless it was already running before, the sandbox; returns what it stopped. */
  stop(): Promise<string[]>;
}

export interface MainJobOptions {
  /** The sandbox dir (default: $KLUCTL_SANDBOX_DIR or .sandbox). */
  dir?: string;
  /** Progress lines for the user. */
  log?: (line: string) => void;
  /** How long the KluctlDeployments may take to become Ready before VS Code opens anyway (default 5 min). */
  readyTimeoutMs?: number;
  /** Ends start-up early (Ctrl-C): what was started is stopped again and the promise rejects. */
  signal?: AbortSignal;
}

/** Another main job already serves this sandbox. */
export class MainJobRunning extends Error {
  constructor(
    readonly pid: number,
    readonly url: string,
  ) {
    super(`npm start is already running on this sandbox (pid ${pid}); VS Code: ${url}`);
  }
}

/** Tool → what it is needed for. (Go is checked by test/k8s-bins/build.sh, only when a binary must be built.) */
const REQUIRED_TOOLS: Record<string, string> = {
  git: 'to serve and clone the sample repository',
  openssl: "to create the sandbox cluster's certificates",
};

export function checkTools(pathVar = process.env.PATH ?? ''): void {
  const missing = Object.entries(REQUIRED_TOOLS).filter(([tool]) => !findOnPath(tool, pathVar));
  if (missing.length > 0)
    throw new Error(
      `missing on PATH: ${missing.map(([tool, why]) => `${tool} (needed ${why}; e.g. apt-get install ${tool})`).join(', ')}`,
    );
}

interface MainJobRecord {
  pid: number;
  url: string;
}

function recordFile(dir: string): string {
  return path.join(dir, 'main-job.json');
}

function runningMainJob(dir: string): MainJobRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(recordFile(dir), 'utf8')) as MainJobRecord;
    return record.pid !== process.pid && isAlive(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

export async function startMainJob(options: MainJobOptions = {}): Promise<MainJob> {
  const log = options.log ?? (() => {});
  const dir = path.resolve(options.dir ?? sandboxDir());
  checkTools();
  const running = runningMainJob(dir);
  if (running) throw new MainJobRunning(running.pid, running.url);

  const interrupted = (): void => {
    if (options.signal?.aborted) throw new Error('interrupted');
  };
  const { state, reused } = await sandboxUp(dir);
  log(
    reused
      ? `sandbox    reused the running sandbox in ${dir}`
      : `sandbox    started in ${dir}: API server ${state.server}, kluctl-controller, Git server ${state.gitBaseUrl}`,
  );
  let codeServer: CodeServer | undefined;
  try {
    interrupted();
    stopLeftoverCodeServer(state, log);
    const sample = publishSample(state);
    const commit = sample.commit.slice(0, 8);
    log(
      sample.changed
        ? `sample     pushed ${commit} to ${sample.url}`
        : `sample     ${sample.url} is already at ${commit}`,
    );
    const client = clientForContext(loadKubeConfig(state.kubeconfig), state.context);
    log(`gitops     ${await applySample(state, client, sample)}`);
    interrupted();

    const started = Date.now();
    const [readiness, vscode] = await Promise.allSettled([
      waitForSample(client, sample.commit, {
        timeoutMs: options.readyTimeoutMs ?? 5 * 60_000,
        signal: options.signal,
        onReady: (name) =>
          log(
            `ready      KluctlDeployment kluctl-gitops/${name} is Ready (${((Date.now() - started) / 1000).toFixed(0)}s)`,
          ),
      }),
      (async () => {
        const workspace = prepareWorkspace(state, sample.url);
        log(`workspace  ${workspace.dir}: ${workspace.note}`);
        const vsix = path.join(dir, 'vscode', 'kluctl-gitops.vsix');
        await packageExtension(vsix);
        interrupted();
        codeServer = await startCodeServer(state, workspace.dir, vsix);
        recordSandboxProcess(dir, 'codeServer', codeServer.pid);
        log(`vscode     code-server (pid ${codeServer.pid}) with ${vsix} installed`);
        return { workspace: workspace.dir, codeServer };
      })(),
    ]);
    if (readiness.status === 'rejected') throw readiness.reason;
    if (vscode.status === 'rejected') throw vscode.reason;
    interrupted();
    for (const r of readiness.value.filter((s) => !s.ready))
      log(`WARNING    KluctlDeployment kluctl-gitops/${r.name} is not Ready: ${r.message}`);

    const server = vscode.value.codeServer;
    fs.writeFileSync(recordFile(dir), JSON.stringify({ pid: process.pid, url: server.url } satisfies MainJobRecord));
    let stopping: Promise<string[]> | undefined;
    return {
      url: server.url,
      workspace: vscode.value.workspace,
      state,
      commit: sample.commit,
      sandboxReused: reused,
      readiness: readiness.value,
      codeServerPid: server.pid,
      codeServerExited: server.exited,
      stop: () => (stopping ??= stopAll(dir, server, reused)),
    };
  } catch (error) {
    const stopped = await stopAll(dir, codeServer, reused).catch((e: Error) => [`(cleanup failed: ${e.message})`]);
    log(
      `stopped    ${stopped.join(', ') || 'nothing'}${reused ? ' (the sandbox was running before and keeps running)' : ''}`,
    );
    throw error;
  }
}

async function stopAll(dir: string, codeServer: CodeServer | undefined, sandboxReused: boolean): Promise<string[]> {
  const stopped: string[] = [];
  if (codeServer) {
    await codeServer.stop();
    stopped.push(`code-server (pid ${codeServer.pid})`);
  }
  fs.rmSync(recordFile(dir), { force: true });
  if (sandboxReused) {
    if (codeServer && fs.existsSync(dir)) recordSandboxProcess(dir, 'codeServer', undefined);
  } else {
    stopped.push(...(await sandboxDown(dir)));
  }
  return stopped;
}

/** A code-server of an earlier run that was killed without cleaning up (its user-data dir is about to be reused). */
function stopLeftoverCodeServer(state: SandboxState, log: (line: string) => void): void {
  const pid = state.extraPids?.codeServer;
  if (pid === undefined) return;
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    log(`vscode     stopped a leftover code-server (pid ${pid}) of an earlier run`);
  }
  recordSandboxProcess(state.dir, 'codeServer', undefined);
}
