import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestCluster } from './cluster.js';
import { KluctlController } from './kluctl.js';
import { REPO_ROOT } from './paths.js';
import { freePort, isAlive, ManagedProcess, signalGroup, waitUntil } from './processes.js';

/**
 * The sandbox: the test cluster, the loopback Git server and a kluctl-controller as background processes that
 * outlive the command starting them. The main job and demos run on it. State lives in one directory.
 */
export interface SandboxState {
  dir: string;
  kubeconfig: string;
  context: string;
  server: string;
  gitBaseUrl: string;
  gitRoot: string;
  controllerLog: string;
  sourceOverridePort: number;
  /** The controller Pod's process serves kluctl-system/<controllerPod> (kwok routes the Pod's port and logs to it). */
  controllerPod?: string;
  pids: Record<'etcd' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok' | 'gitServer' | 'controller', number>;
  /** Processes started on the sandbox later (the main job's code-server); sandboxDown stops them first. */
  extraPids?: Record<string, number>;
}

export function sandboxDir(): string {
  return process.env.KLUCTL_SANDBOX_DIR ?? path.join(REPO_ROOT, '.sandbox');
}

function statePath(dir: string): string {
  return path.join(dir, 'state.json');
}

export function readSandbox(dir = sandboxDir()): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePath(dir), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function sandboxRunning(state: SandboxState): boolean {
  return Object.values(state.pids).every(isAlive);
}

/** Starts the sandbox, or returns the one already running. */
export async function sandboxUp(dir = sandboxDir()): Promise<{ state: SandboxState; reused: boolean }> {
  const existing = readSandbox(dir);
  if (existing && sandboxRunning(existing)) return { state: existing, reused: true };
  if (existing) await sandboxDown(dir);
  fs.mkdirSync(dir, { recursive: true });

  const started: number[] = [];
  try {
    const cluster = await TestCluster.start({
      workDir: path.join(dir, 'cluster'),
      detached: true,
      simulatedNodes: true,
    });
    started.push(...Object.values(cluster.pids).filter((p): p is number => p !== undefined));

    const gitRoot = path.join(dir, 'git');
    const gitPort = await freePort();
    const gitMain = path.join(path.dirname(fileURLToPath(import.meta.url)), 'git-server-main.js');
    const git = ManagedProcess.start({
      name: 'git server',
      command: process.execPath,
      args: [gitMain, gitRoot, String(gitPort)],
      logFile: path.join(dir, 'git-server.log'),
      detached: true,
    });
    started.push(git.pid);
    const gitBaseUrl = `http://127.0.0.1:${gitPort}`;
    await waitUntil(
      'git server',
      async () => ((await fetch(gitBaseUrl, { signal: AbortSignal.timeout(2000) })) ? true : undefined),
      {
        timeoutMs: 15_000,
        process: git,
      },
    );

    const controller = await KluctlController.start(cluster, {
      logFile: path.join(dir, 'kluctl-controller.log'),
      detached: true,
      inPod: true,
    });
    started.push(controller.pid);

    const state: SandboxState = {
      dir,
      kubeconfig: cluster.kubeconfig,
      context: cluster.context,
      server: cluster.server,
      gitBaseUrl,
      gitRoot,
      controllerLog: controller.logFile,
      sourceOverridePort: controller.sourceOverridePort,
      controllerPod: controller.pod?.name,
      pids: {
        etcd: cluster.pids.etcd,
        apiserver: cluster.pids.apiserver,
        controllerManager: cluster.pids.controllerManager!,
        scheduler: cluster.pids.scheduler!,
        kwok: cluster.pids.kwok!,
        gitServer: git.pid,
        controller: controller.pid,
      },
    };
    fs.writeFileSync(statePath(dir), JSON.stringify(state, null, 2));
    return { state, reused: false };
  } catch (error) {
    for (const pid of started.reverse()) signalGroup(pid, 'SIGKILL');
    throw error;
  }
}

/** Records (or, with no pid, forgets) a process that sandboxDown should stop with the sandbox. */
export function recordSandboxProcess(dir: string, name: string, pid: number | undefined): void {
  const state = readSandbox(dir);
  if (!state) throw new Error(`no sandbox in ${dir}`);
  const extraPids = { ...state.extraPids };
  if (pid === undefined) delete extraPids[name];
  else extraPids[name] = pid;
  fs.writeFileSync(statePath(dir), JSON.stringify({ ...state, extraPids }, null, 2));
}

/** Stops every sandbox process by its recorded pid and removes the sandbox directory. */
export async function sandboxDown(dir = sandboxDir()): Promise<string[]> {
  const state = readSandbox(dir);
  const stopped: string[] = [];
  if (state) {
    for (const [name, pid] of Object.entries(state.extraPids ?? {})) {
      if (await stopGroup(name, pid)) stopped.push(`${name} (pid ${pid})`);
    }
    // Controller first (it talks to the API server), the API server before etcd.
    for (const name of [
      'controller',
      'gitServer',
      'kwok',
      'scheduler',
      'controllerManager',
      'apiserver',
      'etcd',
    ] as const) {
      const pid = state.pids[name];
      if (await stopGroup(name, pid)) stopped.push(`${name} (pid ${pid})`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return stopped;
}

/** SIGTERM to the process group, SIGKILL after 10 s; false if it was not running. */
async function stopGroup(name: string, pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  signalGroup(pid, 'SIGTERM');
  const gone = await waitUntil(`${name} (pid ${pid}) to exit`, () => (isAlive(pid) ? undefined : true), {
    timeoutMs: 10_000,
  }).catch(() => false);
  if (!gone) signalGroup(pid, 'SIGKILL');
  return true;
}
