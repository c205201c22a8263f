import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Every process this test run started and still owns; killed on exit even if a test fails or hangs. */
const owned = new Set<ManagedProcess>();
/** The process groups of every non-detached process the run started, for the end-of-run check (leaks.ts). */
export const startedGroups = new Set<number>();
process.on('exit', () => {
  for (const p of owned) p.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const p of owned) p.killNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Outlives this Node process (the sandbox); the caller records the pid to end it later. */
  detached?: boolean;
}

/** A child process whose output goes to a log file, so failures can quote its last lines. */
export class ManagedProcess {
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    detached: boolean,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        owned.delete(this);
        resolve();
      });
    });
    if (!detached) {
      owned.add(this);
      if (child.pid) startedGroups.add(child.pid);
    }
  }

  static start(options: StartOptions): ManagedProcess {
    const log = fs.openSync(options.logFile, 'a');
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      // Its own process group, so stopping it also stops anything it started.
      detached: true,
    });
    fs.closeSync(log);
    if (options.detached) child.unref();
    const managed = new ManagedProcess(options.name, options.logFile, child, options.detached ?? false);
    child.on('error', (error) => {
      fs.appendFileSync(options.logFile, `\n[harness] failed to start ${options.command}: ${error.message}\n`);
    });
    return managed;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 15): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  describeExit(): string {
    if (!this.exited) return `${this.name} is running`;
    const how = this.exited.signal ? `signal ${this.exited.signal}` : `code ${this.exited.code}`;
    return `${this.name} exited with ${how}; last lines of ${this.logFile}:\n${this.tail()}`;
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  killNow(): void {
    if (!this.exited) signalGroup(this.pid, 'SIGKILL');
  }
}

/** Signals a process group; a group that is already gone is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value; fails early with the process's log if it dies meanwhile. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; process?: ManagedProcess },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    if (options.process?.hasExited) throw new Error(`${what}: ${options.process.describeExit()}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      const log = options.process ? `\nlast lines of ${options.process.logFile}:\n${options.process.tail()}` : '';
      throw new Error(
        `${what}: not ready after ${options.timeoutMs / 1000}s${lastError ? ` (last error: ${lastError})` : ''}${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

/** A port that was free a moment ago on 127.0.0.1. A clash later shows up as the server's own bind error. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Fails with a clear message if something already listens on the port. */
export function assertPortFree(port: number, owner: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port 127.0.0.1:${port} for ${owner} is already in use by another process`
            : `port 127.0.0.1:${port} for ${owner}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
