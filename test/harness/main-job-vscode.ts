import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BASE_SETTINGS,
  codeServerArgs,
  ensureCodeServer,
  installVsix,
  killSessionStragglers,
  SESSION_ENV,
} from '../vscode/driver.js';
import { configureIdentity, git } from './git-server.js';
import { REPO_ROOT } from './paths.js';
import { freePort, ManagedProcess, waitUntil } from './processes.js';
import type { SandboxState } from './sandbox.js';

/** The main job's VS Code: a clone of the sample as the workspace, a freshly packaged .vsix, code-server on 127.0.0.1. */

/**
 * The user's clone of the sample under the sandbox dir, with workspace settings pointing the extension at the
 * sandbox. An existing clone is kept (it may hold the user's edits) and only fast-forwarded when clean.
 */
export function prepareWorkspace(state: SandboxState, url: string): { dir: string; note: string } {
  const dir = path.join(state.dir, 'sample-gitops');
  let note: string;
  if (!fs.existsSync(path.join(dir, '.git'))) {
    git(state.dir, 'clone', '--quiet', url, dir);
    configureIdentity(dir);
    note = `cloned ${url}`;
  } else if (git(dir, 'status', '--porcelain').trim() === '') {
    git(dir, 'pull', '--quiet', '--ff-only', 'origin', 'main');
    note = 'kept the existing clone (pulled)';
  } else {
    note = 'kept the existing clone (it has local changes; not pulled)';
  }
  // Machine-specific: not part of the sample, so kept out of `git status` and of source-override uploads.
  const exclude = path.join(dir, '.git', 'info', 'exclude');
  const excluded = fs.existsSync(exclude) ? fs.readFileSync(exclude, 'utf8') : '';
  if (!excluded.split('\n').includes('/.vscode/')) fs.appendFileSync(exclude, '/.vscode/\n');
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  // Default settings otherwise: the controller runs in its Pod (kluctl-system), so Show Logs reads pods/log and
  // Diff with Local Source port-forwards to the Pod, as for every user.
  const settings = {
    'kluctl.kubeconfig': state.kubeconfig,
  };
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return { dir, note };
}

/** `npm run package` (vsce) into `out`; dist/ must have been built (npm run build). */
export async function packageExtension(out: string): Promise<void> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.cjs')))
    throw new Error('dist/extension.cjs is missing: run `npm run build` first');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise<void>((resolve, reject) => {
    execFile(
      npm,
      ['run', '--silent', 'package', '--', '--out', out],
      { cwd: REPO_ROOT, timeout: 300_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`npm run package failed: ${error.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

export interface CodeServer {
  url: string;
  pid: number;
  /** Ends code-server's process group and anything of its session that left it (the extension host). */
  stop(): Promise<void>;
  /** Resolves when code-server exits on its own or is stopped. */
  exited: Promise<string>;
}

/** Installs `vsix` into a fresh extensions dir under `<sandbox>/vscode` and starts code-server with no auth. */
export async function startCodeServer(state: SandboxState, workspace: string, vsix: string): Promise<CodeServer> {
  const { node, entry } = ensureCodeServer();
  const home = path.join(state.dir, 'vscode');
  const dirs = {
    userData: path.join(home, 'user-data'),
    extensions: path.join(home, 'extensions'),
    config: path.join(home, 'code-server.yaml'),
  };
  fs.rmSync(dirs.extensions, { recursive: true, force: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(dirs.extensions, { recursive: true });
  // The sample's README opens first: it says what to try.
  // No kluctl.localSourceOverridePort: Diff with Local Source reaches the controller Pod by port-forward.
  const settings = {
    ...BASE_SETTINGS,
    'workbench.startupEditor': 'readme',
  };
  for (const dir of ['User', 'Machine']) {
    fs.mkdirSync(path.join(dirs.userData, dir), { recursive: true });
    fs.writeFileSync(path.join(dirs.userData, dir, 'settings.json'), JSON.stringify(settings, null, 2));
  }
  const port = await freePort();
  fs.writeFileSync(dirs.config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const sessionId = `main-job-${process.pid}-${Date.now()}`;
  const env = serverEnv({
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'),
    XDG_DATA_HOME: path.join(home, 'xdg-data'),
    // The integrated terminal's kubectl/kluctl then talk to the sandbox too.
    KUBECONFIG: state.kubeconfig,
    [SESSION_ENV]: sessionId,
  });
  await installVsix(vsix, { ...dirs, env }, path.join(home, 'install-extension.log'));

  const server = ManagedProcess.start({
    name: 'code-server',
    command: node,
    args: [...codeServerArgs(entry, dirs.config, port, dirs), workspace],
    logFile: path.join(home, 'code-server.log'),
    env,
    cwd: workspace,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    `code-server on ${base}/healthz`,
    async () => ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined),
    {
      timeoutMs: 120_000,
      intervalMs: 200,
      process: server,
    },
  ).catch(async (error: Error) => {
    await server.stop();
    throw error;
  });
  const exited = new Promise<string>((resolve) => {
    const timer = setInterval(() => {
      if (!server.hasExited) return;
      clearInterval(timer);
      resolve(server.describeExit());
    }, 500);
  });
  return {
    url: `${base}/?folder=${encodeURIComponent(workspace).replace(/%2F/g, '/')}`,
    pid: server.pid,
    exited,
    stop: async () => {
      await server.stop(10_000);
      killSessionStragglers(sessionId);
    },
  };
}

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { EXTENSIONS_GALLERY: '{}' }; // no marketplace: nothing tries to reach open-vsx.org
  for (const [key, value] of Object.entries(process.env)) {
    // npm's variables, and a VS Code terminal's VSCODE_IPC_HOOK_CLI & co., must not reach code-server.
    if (/^(VSCODE_|ELECTRON_|npm_)/.test(key) || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}
