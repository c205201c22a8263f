/**
 * Drives a REAL VS Code headless, offline: code-server's VS Code 1.139.1 server (on the Node 24 that
 * setup-vscode-server.sh installs) plus its web workbench in Debian's chromium, through playwright-core.
 *
 * - runExtensionTests(): mocha inside the extension host (the bundle built by build-exthost.mjs); resolves with
 *   VS Code's own exit code (window.codeAutomationExit) and the results JSON the runner writes.
 * - openWorkbench(): the workbench as a Playwright Page, for UI flows and screenshots; close() tears it down.
 * - withWorkbench(): openWorkbench + failure.png + close, around a callback.
 *
 * The built workbench honours the `?payload=` test parameters (extensionDevelopmentPath, extensionTestsPath,
 * extensionEnvironment) only with `--vscode-option enable-smoke-test-driver` (spec §0, §3.5).
 *
 * Every process is ended by its process group, also on errors and Ctrl-C. An artifacts directory holds the logs
 * (code-server.log, host.log), the results file and failure.png; VS Code's state under it (state/) is removed after
 * a successful run unless keepArtifacts is set, and everything is kept when something failed.
 *
 * CLI: node out/test/vscode/driver.js --help
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../harness/paths.js';
import { ManagedProcess, freePort, waitUntil } from '../harness/processes.js';
import { RESULTS_ENV, type ExtHostTestResults } from './results.js';

export const SETUP_SCRIPT = path.join(REPO_ROOT, 'test', 'vscode', 'setup-vscode-server.sh');
/** What build-exthost.mjs writes: the in-host mocha runner with every test/vscode/exthost/**\/*.test.ts suite. */
export const DEFAULT_TESTS_BUNDLE = path.join(REPO_ROOT, 'out', 'exthost', 'index.cjs');
export const VERBOSE_ENV = 'KLUCTL_VSCODE_VERBOSE';

/** User settings written before VS Code starts: no welcome page, telemetry, update checks, tips or AI features. */
export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  // No "do you trust the authors" dialog; a caller testing restricted mode sets this back to true.
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// ---------------------------------------------------------------------------------------------------------------
// The install (code-server on Node 24, chromium)

export interface CodeServerInstall {
  /** The Node 24 binary code-server runs on. */
  node: string;
  /** code-server/out/node/entry.js */
  entry: string;
  chromium: string;
}

let install: CodeServerInstall | undefined;

/**
 * Installs code-server and chromium on first use (setup-vscode-server.sh, cached outside the repo; ~2.5 min cold,
 * well under a second warm) and returns their paths. CODE_SERVER_NODE + CODE_SERVER_ENTRY (+ CHROMIUM) in the
 * environment skip the script.
 */
export function ensureCodeServer(): CodeServerInstall {
  if (install) return install;
  const { CODE_SERVER_NODE, CODE_SERVER_ENTRY, CHROMIUM } = process.env;
  let values: Record<string, string>;
  if (CODE_SERVER_NODE && CODE_SERVER_ENTRY) {
    values = { CODE_SERVER_NODE, CODE_SERVER_ENTRY, CHROMIUM: CHROMIUM ?? '/usr/bin/chromium' };
  } else {
    let stdout: string;
    try {
      stdout = execFileSync('bash', [SETUP_SCRIPT], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 30 * 60 * 1000,
      });
    } catch (error) {
      throw new Error(
        `VS Code test server unavailable (${path.relative(REPO_ROOT, SETUP_SCRIPT)} failed; its messages are above): ${(error as Error).message}`,
        { cause: error },
      );
    }
    values = Object.fromEntries(
      stdout
        .split('\n')
        .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m): [string, string] => [m[1], m[2]]),
    );
  }
  const found = {
    node: values.CODE_SERVER_NODE ?? '',
    entry: values.CODE_SERVER_ENTRY ?? '',
    chromium: values.CHROMIUM ?? '/usr/bin/chromium',
  } satisfies CodeServerInstall;
  for (const [what, file] of Object.entries(found)) {
    if (!file || !fs.existsSync(file))
      throw new Error(`VS Code test server: ${what} not found (${file || 'not reported by the setup script'})`);
  }
  install = found;
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Options and results

export interface WorkbenchOptions {
  /** The folder VS Code opens (it must exist; see createTestWorkspace). */
  workspace: string;
  /** The extension under development (default: the repo root). Ignored when `vsix` is given. */
  extensionDevelopmentPath?: string;
  /**
   * Install this .vsix (`--install-extension`) and run it instead of the development folder: as the installed
   * extension in openWorkbench; in runExtensionTests its unpacked copy is loaded as the development extension
   * (VS Code runs extensionTestsPath only for one), so the tests still exercise the packaged files.
   */
  vsix?: string;
  /** Environment for the extension host (the `extensionEnvironment` payload and the server's own environment). */
  env?: Record<string, string>;
  /** Extra user (and remote) settings, merged over BASE_SETTINGS; where machine-scoped settings must go. */
  settings?: Record<string, unknown>;
  /** Where logs, results, failure.png and VS Code's state go (default: a new temp dir). */
  artifactsDir?: string;
  /** Keep VS Code's state (and a temp artifacts dir) after a successful run too. Failures always keep everything. */
  keepArtifacts?: boolean;
  /** Pass `--disable-workspace-trust` to the server. */
  disableWorkspaceTrust?: boolean;
  viewport?: { width: number; height: number };
  /** Server start + workbench load (default 120 s). */
  startTimeoutMs?: number;
}

export interface ExtensionTestOptions extends WorkbenchOptions {
  /** The extensionTestsPath module (default: out/exthost/index.cjs from build-exthost.mjs). */
  testsBundle?: string;
  /** From workbench loaded to codeAutomationExit (default 300 s). */
  timeoutMs?: number;
  /**
   * Accept a foreign runner that writes no results file (e.g. @vscode/test-cli's); the exit code alone then
   * decides. Default false: no results file means "ran no test", an error.
   */
  allowMissingResults?: boolean;
}

export interface ExtensionTestRun {
  /** What the extension host reported through window.codeAutomationExit (0 = run() resolved). */
  exitCode: number;
  /** The runner's results; undefined only with allowMissingResults. */
  results: ExtHostTestResults | undefined;
  artifactsDir: string;
  /** The extension host and workbench log (codeAutomationLog). */
  hostLog: string;
  durationMs: number;
}

export interface Workbench {
  page: Page;
  /** The URL the page was opened with. */
  url: string;
  port: number;
  artifactsDir: string;
  hostLog: string;
  /** The last lines of the extension host and workbench log, for error messages. */
  hostLogTail(lines?: number): string;
  /** Tears everything down. With `failure`, saves failure.png first and keeps the artifacts. Idempotent. */
  close(options?: { failure?: unknown }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

/** Temp workspaces createTestWorkspace() made; removed when the process exits, also on Ctrl-C. */
const tempWorkspaces = new Set<string>();

/**
 * A workspace with a minimal Kluctl project, so the extension's workspaceContains activation fires. Without `dir`
 * it is a new temp dir, removed when the process exits.
 */
export function createTestWorkspace(dir?: string): string {
  const workspace = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-ws-'));
  if (!dir) tempWorkspaces.add(workspace);
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.kluctl.yaml'),
    '# minimal Kluctl project for the VS Code tests\ntargets:\n  - name: test\n',
  );
  fs.writeFileSync(path.join(workspace, 'deployment.yaml'), 'deployments: []\n');
  fs.writeFileSync(path.join(workspace, 'README.md'), '# VS Code test workspace\n');
  return workspace;
}

/** Runs the extension-host test bundle in a real VS Code and returns the exit code and the runner's results. */
export async function runExtensionTests(options: ExtensionTestOptions): Promise<ExtensionTestRun> {
  const testsBundle = path.resolve(options.testsBundle ?? DEFAULT_TESTS_BUNDLE);
  if (!fs.existsSync(testsBundle)) {
    throw new Error(
      `extension tests bundle ${testsBundle} does not exist: build it with \`node test/vscode/build-exthost.mjs\``,
    );
  }
  const session = new Session(options);
  const started = Date.now();
  try {
    await session.start(testsBundle);
    const exitCode = await session.waitForExit(options.timeoutMs ?? 300_000);
    const results = session.readResults();
    if (!results && !options.allowMissingResults) {
      throw new Error(
        `the extension host ran no test: it ended (exit code ${exitCode}) without writing ${session.resultsFile}; either ` +
          `${testsBundle} is not the runner from test/vscode/exthost, or the extension host crashed. Last host log lines:\n${session.hostLogTail()}`,
      );
    }
    const failed = exitCode !== 0 || (results?.failed ?? 0) > 0;
    await session.close(failed ? { failure: `extension tests failed (exit code ${exitCode})` } : {});
    return {
      exitCode,
      results,
      artifactsDir: session.artifactsDir,
      hostLog: session.hostLog,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    await session.close({ failure: error });
    throw annotate(error, session);
  }
}

/** Opens the workbench (extension loaded, no tests) and hands the page to the caller, who must close() it. */
export async function openWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const session = new Session(options);
  try {
    await session.start(undefined);
  } catch (error) {
    await session.close({ failure: error });
    throw annotate(error, session);
  }
  const page = session.page!;
  return {
    page,
    url: session.url,
    port: session.port,
    artifactsDir: session.artifactsDir,
    hostLog: session.hostLog,
    hostLogTail: (lines) => session.hostLogTail(lines),
    close: (closeOptions) => session.close(closeOptions ?? {}),
  };
}

/** openWorkbench, run `flow`, close; a failure saves failure.png, keeps the artifacts and names them in the error. */
export async function withWorkbench<T>(
  options: WorkbenchOptions,
  flow: (workbench: Workbench) => Promise<T>,
): Promise<T> {
  const workbench = await openWorkbench(options);
  try {
    const result = await flow(workbench);
    await workbench.close();
    return result;
  } catch (error) {
    const tail = workbench.hostLogTail(15);
    await workbench.close({ failure: error });
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${message}\nartifacts (failure.png, host.log, code-server.log): ${workbench.artifactsDir}\nlast host log lines:\n${tail}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Installs a .vsix into a fresh extensions dir with code-server's own CLI (as `code --install-extension` would);
 * returns the directory it was unpacked to.
 */
export async function installVsix(
  vsix: string,
  dirs: { userData: string; extensions: string; config: string; env: NodeJS.ProcessEnv },
  logFile: string,
): Promise<string> {
  const { node, entry } = ensureCodeServer();
  const args = [
    entry,
    '--config',
    dirs.config,
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--install-extension',
    path.resolve(vsix),
  ];
  const output = await new Promise<string>((resolve, reject) => {
    execFile(node, args, { env: dirs.env, timeout: 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      fs.writeFileSync(logFile, `$ ${node} ${args.join(' ')}\n${text}`);
      if (error)
        reject(
          new Error(`installing ${vsix} failed (${error.message.split('\n')[0]}); log ${logFile}:\n${text.trim()}`),
        );
      else resolve(text);
    });
  });
  if (!/successfully installed/i.test(output))
    throw new Error(
      `installing ${vsix}: no "successfully installed" in the output (log ${logFile}):\n${output.trim()}`,
    );
  const installed = (
    JSON.parse(fs.readFileSync(path.join(dirs.extensions, 'extensions.json'), 'utf8')) as {
      relativeLocation?: string;
    }[]
  )
    .map((e) => e.relativeLocation)
    .filter((location): location is string => typeof location === 'string');
  if (installed.length !== 1)
    throw new Error(
      `installing ${vsix}: expected one extension in ${dirs.extensions}, found ${installed.join(', ') || 'none'}`,
    );
  return path.join(dirs.extensions, installed[0]);
}

// ---------------------------------------------------------------------------------------------------------------
// One code-server + chromium session

/** Sessions still running, for the exit hook (servers and browsers are killed by their own hooks). */
const live = new Set<Session>();
process.on('exit', () => {
  for (const session of live) session.removeTempDirsSync();
  for (const dir of tempWorkspaces) removeDirSync(dir);
});

/**
 * rm -rf that also works at exit right after the server group got SIGKILL, while its dying processes may still
 * create files (ENOTEMPTY): retries for up to 2 s. Never throws.
 */
function removeDirSync(dir: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

class Session {
  readonly artifactsDir: string;
  readonly hostLog: string;
  readonly resultsFile: string;
  port = 0;
  url = '';
  page: Page | undefined;

  private readonly ownsArtifactsDir: boolean;
  private stateDir: string;
  private tmpDir = '';
  private server: ManagedProcess | undefined;
  private browser: Browser | undefined;
  private hostLogFd: number | undefined;
  private readonly recent: string[] = [];
  private exitCode: number | undefined;
  /** Set when the page crashes or closes: the tests cannot finish then. */
  private pageGone: string | undefined;
  private closed = false;
  private keep: boolean;
  private readonly t0 = Date.now();

  constructor(private readonly options: WorkbenchOptions) {
    this.ownsArtifactsDir = options.artifactsDir === undefined;
    this.keep = options.keepArtifacts ?? false;
    this.artifactsDir = path.resolve(options.artifactsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-')));
    this.stateDir = path.join(this.artifactsDir, 'state');
    this.hostLog = path.join(this.artifactsDir, 'host.log');
    this.resultsFile = path.join(this.artifactsDir, 'ext-test-results.json');
  }

  async start(testsBundle: string | undefined): Promise<void> {
    live.add(this);
    const { node, entry, chromium: chromiumPath } = ensureCodeServer();
    const options = this.options;
    const workspace = path.resolve(options.workspace);
    if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`workspace ${workspace} is not a directory`);
    const startTimeout = options.startTimeoutMs ?? 120_000;

    // Fresh state; only the files this driver writes are removed from a caller's artifacts dir.
    fs.mkdirSync(this.artifactsDir, { recursive: true });
    for (const name of [
      'state',
      'host.log',
      'code-server.log',
      'install-extension.log',
      'code-server.yaml',
      'ext-test-results.json',
      'failure.png',
    ]) {
      fs.rmSync(path.join(this.artifactsDir, name), { recursive: true, force: true });
    }
    this.hostLogFd = fs.openSync(this.hostLog, 'a');
    // Short, so VS Code's unix sockets (git extension, IPC) stay under the 108-byte limit; removed at teardown.
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-'));
    // code-server puts its IPC socket into the user-data dir: under a deep artifacts dir, keep the state in tmp.
    if (path.join(this.stateDir, 'user-data', 'code-server-ipc.sock').length > 100) {
      this.note(`artifacts path too long for unix sockets: VS Code's state goes to ${this.tmpDir} (not kept)`);
      this.stateDir = path.join(this.tmpDir, 'state');
    }
    const dirs = {
      userData: path.join(this.stateDir, 'user-data'),
      extensions: path.join(this.stateDir, 'extensions'),
      xdgConfig: path.join(this.stateDir, 'xdg-config'),
      xdgData: path.join(this.stateDir, 'xdg-data'),
    };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
    // code-server's window is a remote one: machine-scoped settings come from Machine/ (its remote settings), the
    // rest from User/. Both get the same settings.
    for (const dir of ['User', 'Machine']) {
      fs.mkdirSync(path.join(dirs.userData, dir), { recursive: true });
      fs.writeFileSync(
        path.join(dirs.userData, dir, 'settings.json'),
        JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2),
      );
    }

    this.port = await freePort();
    const config = path.join(this.artifactsDir, 'code-server.yaml');
    fs.writeFileSync(config, `bind-addr: 127.0.0.1:${this.port}\nauth: none\ncert: false\n`);
    const env = this.serverEnv({ TMPDIR: this.tmpDir, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData });

    let developmentPath: string | undefined = options.extensionDevelopmentPath ?? REPO_ROOT;
    if (options.vsix) {
      this.note(`installing ${options.vsix}`);
      const installed = await installVsix(
        options.vsix,
        { userData: dirs.userData, extensions: dirs.extensions, config, env },
        path.join(this.artifactsDir, 'install-extension.log'),
      );
      // The workbench runs extensionTestsPath only for a development extension: for tests, load the installed
      // copy (the VSIX's files) as that; for UI flows, run it as the ordinary installed extension.
      developmentPath = testsBundle ? installed : undefined;
    }

    const args = [
      ...codeServerArgs(entry, config, this.port, dirs),
      ...(options.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
      // Makes the built workbench honour the ?payload= test parameters.
      '--vscode-option',
      'enable-smoke-test-driver',
      workspace,
    ];
    this.server = ManagedProcess.start({
      name: 'code-server',
      command: node,
      args,
      logFile: path.join(this.artifactsDir, 'code-server.log'),
      env,
      cwd: workspace,
    });
    const base = `http://127.0.0.1:${this.port}`;
    await waitUntil(
      `code-server on ${base}/healthz`,
      async () => ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined),
      { timeoutMs: startTimeout, intervalMs: 100, process: this.server },
    );
    this.note(`code-server healthy on ${base}`);

    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      // Debian's chromium always starts a crashpad handler (its own session; it exits with the browser) with its
      // database under $XDG_CONFIG_HOME/chromium: keep that, and chromium's caches, out of ~ and in the temp dir.
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(this.tmpDir, 'chromium-config'),
        XDG_CACHE_HOME: path.join(this.tmpDir, 'chromium-cache'),
      },
      timeout: startTimeout,
    });
    const page = await this.browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    this.page = page;
    page.on('pageerror', (error) => this.hostLine('pageerror', error.stack ?? error.message));
    page.on('crash', () => (this.pageGone = 'the workbench page crashed'));
    page.on('close', () => (this.pageGone ??= 'the workbench page closed'));
    // The workbench (smoke-test-driver mode) forwards its and the extension host's log lines, and the test
    // runner's outcome, to these two functions.
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) =>
      this.hostLine(String(type), format(...(Array.isArray(args) ? (args as unknown[]) : [args]))),
    );
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      this.exitCode = typeof code === 'number' ? code : Number(code);
      this.note(`codeAutomationExit(${String(code)})`);
    });

    const remote = (file: string) => `vscode-remote://127.0.0.1:${this.port}${path.resolve(file)}`;
    const payload: [string, string][] = [['skipWelcome', 'true']];
    if (developmentPath) payload.push(['extensionDevelopmentPath', remote(developmentPath)]);
    if (testsBundle) payload.push(['extensionTestsPath', remote(testsBundle)]);
    payload.push(['extensionEnvironment', JSON.stringify({ ...options.env, [RESULTS_ENV]: this.resultsFile })]);
    this.url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(this.url, { waitUntil: 'domcontentloaded', timeout: startTimeout });
    await page.waitForSelector('.monaco-workbench', { timeout: startTimeout });
    this.note('workbench loaded');
  }

  /** Waits for codeAutomationExit; fails early if the server dies or the page goes away. */
  async waitForExit(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.exitCode === undefined) {
      if (this.server?.hasExited)
        throw new Error(`code-server died while the extension tests ran: ${this.server.describeExit()}`);
      if (this.pageGone)
        throw new Error(`${this.pageGone} while the extension tests ran; last host log lines:\n${this.hostLogTail()}`);
      if (Date.now() > deadline) {
        throw new Error(
          `the extension tests did not finish within ${timeoutMs / 1000}s (no codeAutomationExit); last host log lines:\n${this.hostLogTail()}`,
        );
      }
      await sleep(200);
    }
    return this.exitCode;
  }

  readResults(): ExtHostTestResults | undefined {
    if (!fs.existsSync(this.resultsFile)) return undefined;
    try {
      return JSON.parse(fs.readFileSync(this.resultsFile, 'utf8')) as ExtHostTestResults;
    } catch (error) {
      throw new Error(`unreadable results file ${this.resultsFile}: ${(error as Error).message}`, { cause: error });
    }
  }

  hostLogTail(lines = 30): string {
    return this.recent.slice(-lines).join('\n');
  }

  /** Marks every process of this session through its environment. */
  readonly sessionId = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  async close(options: { failure?: unknown }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const failed = options.failure !== undefined;
    if (failed) {
      const message = options.failure instanceof Error ? options.failure.message : String(options.failure);
      this.note(`FAILED: ${message.split('\n')[0]}`);
      try {
        if (this.page && !this.page.isClosed())
          await this.page.screenshot({ path: path.join(this.artifactsDir, 'failure.png'), timeout: 10_000 });
      } catch {
        // no screenshot from a crashed page
      }
    }
    try {
      await this.browser?.close();
    } catch {
      // already gone
    }
    await this.server?.stop(10_000);
    killSessionStragglers(this.sessionId);
    this.note('torn down');
    if (this.hostLogFd !== undefined) fs.closeSync(this.hostLogFd);
    this.hostLogFd = undefined;
    if (failed) this.keep = true;
    this.removeTempDirsSync();
    live.delete(this);
  }

  /** The temp dir always; VS Code's state and an own artifacts dir unless they are to be kept. */
  removeTempDirsSync(): void {
    if (this.tmpDir) removeDirSync(this.tmpDir);
    if (!this.keep) removeDirSync(this.ownsArtifactsDir ? this.artifactsDir : this.stateDir);
  }

  private serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // A VS Code terminal's VSCODE_IPC_HOOK_CLI & co. would make code-server talk to that VS Code instead.
      if (/^(VSCODE_|ELECTRON_)/.test(key) || key === 'NODE_OPTIONS') continue;
      env[key] = value;
    }
    return {
      ...env,
      EXTENSIONS_GALLERY: '{}', // no marketplace: nothing tries to reach open-vsx.org
      ...extra,
      ...this.options.env,
      [RESULTS_ENV]: this.resultsFile, // inherited by the extension host on every VS Code version
      [SESSION_ENV]: this.sessionId, // finds processes that left code-server's process group
    };
  }

  private hostLine(type: string, message: string): void {
    const line = `[${type}] ${message}`;
    if (!HOST_LOG_NOISE.test(message)) this.recent.push(line);
    if (this.recent.length > 200) this.recent.splice(0, this.recent.length - 200);
    if (this.hostLogFd !== undefined) fs.writeSync(this.hostLogFd, `${line}\n`);
    if (process.env[VERBOSE_ENV] === '1') process.stderr.write(`[vscode ${type}] ${message}\n`);
  }

  /** A driver line, in the host log and (verbose) on stderr. */
  private note(message: string): void {
    this.hostLine('driver', `${((Date.now() - this.t0) / 1000).toFixed(1)}s ${message}`);
  }
}

/** Routine workbench lines left out of the log tails in error messages (they stay in host.log). */
const HOST_LOG_NOISE =
  /^(Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|Resolv(ing|ed) connection token|Creating a socket|\[AccountPolicyGate\]|\[reconnection-grace-time\]|\[AgentHost:remote\] Initializing)/;

function annotate(error: unknown, session: Session): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\nartifacts (failure.png, host.log, code-server.log): ${session.artifactsDir}`, {
    cause: error,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One line per in-host test, then the closing `N passed, N failed` line. */
export function formatResults(results: ExtHostTestResults): string {
  const mark = { passed: 'ok  ', failed: 'FAIL', pending: 'skip' } as const;
  const lines = results.tests.map(
    (t) => `  ${mark[t.state]} ${t.title}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`,
  );
  for (const f of results.failures) lines.push(`\n  FAIL ${f.title}\n    ${f.error.split('\n').join('\n    ')}`);
  lines.push(`extension host: VS Code ${results.vscodeVersion}, Node ${results.nodeVersion}`);
  lines.push(
    `${results.passed} passed, ${results.failed} failed${results.pending ? `, ${results.pending} pending` : ''}`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: node out/test/vscode/driver.js <test|ui> [options]
  test   run the extension-host suites (default bundle out/exthost/index.cjs) in a real VS Code; exit code = result
  ui     open the workbench, run --click/--wait steps in order, save --screenshot
options:
  --workspace DIR            folder to open (default: a temp Kluctl project, removed afterwards)
  --tests FILE               extensionTestsPath module (test mode)
  --extension-dev-path DIR   extension under development (default: the repo root)
  --vsix FILE                install this .vsix instead of loading the development folder
  --artifacts DIR            logs, results, failure.png (default: a temp dir, removed on success)
  --keep                     keep the artifacts and VS Code's state after success
  --env KEY=VALUE            extension-host environment (repeatable)
  --setting KEY=JSON         user setting (repeatable), e.g. --setting 'kluctl.x=true'
  --timeout MS               test mode: time for the tests (default 300000)
  --disable-workspace-trust  pass --disable-workspace-trust to the server
  --click SELECTOR           ui mode: click (repeatable, in order with --wait)
  --wait SELECTOR            ui mode: wait until visible (repeatable)
  --screenshot FILE          ui mode: where to save the screenshot (default: <artifacts>/workbench.png)
env: ${VERBOSE_ENV}=1 echoes the workbench/extension-host log; CODE_SERVER_NODE/CODE_SERVER_ENTRY skip the setup script`;

function keyValues<T>(list: string[] | undefined, what: string, parse: (value: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${what} must look like KEY=VALUE: ${item}`);
    out[item.slice(0, eq)] = parse(item.slice(eq + 1));
  }
  return out;
}

async function cli(argv: string[]): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: {
      workspace: { type: 'string' },
      tests: { type: 'string' },
      'extension-dev-path': { type: 'string' },
      vsix: { type: 'string' },
      artifacts: { type: 'string' },
      keep: { type: 'boolean' },
      env: { type: 'string', multiple: true },
      setting: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'disable-workspace-trust': { type: 'boolean' },
      click: { type: 'string', multiple: true },
      wait: { type: 'string', multiple: true },
      screenshot: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const mode = positionals[0];
  if (values.help || (mode !== 'test' && mode !== 'ui')) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const workspace = values.workspace ?? createTestWorkspace(); // a temp one is removed at exit
  const common: WorkbenchOptions = {
    workspace,
    extensionDevelopmentPath: values['extension-dev-path'],
    vsix: values.vsix,
    env: keyValues(values.env, '--env', (v) => v),
    settings: keyValues(values.setting, '--setting', (v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }),
    artifactsDir: values.artifacts,
    keepArtifacts: values.keep,
    disableWorkspaceTrust: values['disable-workspace-trust'],
  };
  try {
    if (mode === 'test') {
      const run = await runExtensionTests({
        ...common,
        testsBundle: values.tests,
        timeoutMs: values.timeout ? Number(values.timeout) : undefined,
      });
      if (run.results) console.log(formatResults(run.results));
      console.log(`exit code ${run.exitCode} after ${(run.durationMs / 1000).toFixed(1)}s`);
      return run.exitCode === 0 && (run.results?.failed ?? 0) === 0 ? 0 : 1;
    }
    const steps = (tokens ?? []).flatMap((t) =>
      t.kind === 'option' && (t.name === 'click' || t.name === 'wait') && t.value
        ? [{ action: t.name, selector: t.value }]
        : [],
    );
    await withWorkbench(
      { ...common, keepArtifacts: common.keepArtifacts || values.screenshot === undefined },
      async ({ page, artifactsDir }) => {
        for (const step of steps) {
          const target = page.locator(step.selector).first();
          if (step.action === 'click') await target.click({ timeout: 30_000 });
          else await target.waitFor({ state: 'visible', timeout: 30_000 });
        }
        const file = path.resolve(values.screenshot ?? path.join(artifactsDir, 'workbench.png'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.screenshot({ path: file });
        console.log(`screenshot: ${file}`);
      },
    );
    return 0;
  } catch (error) {
    console.error(`driver: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** This module's own path, for callers that spawn the CLI (code-shim.mjs). */
export const DRIVER_CLI = fileURLToPath(import.meta.url);

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(DRIVER_CLI);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  process.exitCode = await cli(process.argv.slice(2));
}

export const SESSION_ENV = 'KLUCTL_VSCODE_SESSION';

/**
 * VS Code starts its extension host in a process group of its own, so ending code-server's group can leave a busy
 * extension host behind. Every process of the session carries SESSION_ENV; whatever still does is killed.
 */
export function killSessionStragglers(sessionId: string): void {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return; // no /proc: nothing to scan
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${SESSION_ENV}=${sessionId}`))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

/** code-server on 127.0.0.1 without auth, telemetry, update checks or a welcome page, in its own dirs. */
export function codeServerArgs(
  entry: string,
  config: string,
  port: number,
  dirs: { userData: string; extensions: string },
): string[] {
  // prettier-ignore
  return [
    entry,
    '--config', config,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
  ];
}
