/**
 * Running an external program (git, helm, kustomize, credential plugins) bounded: a timeout and an AbortSignal
 * kill the program and everything it started (its process group), and output is capped.
 */

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kills the process group after this long; no limit when absent. */
  timeoutMs?: number;
  /** Cap on stdout and on stderr each; the process is killed when exceeded. Default 512 MiB. */
  maxOutputBytes?: number;
  /** Written to stdin, which is then closed (stdin is empty otherwise). */
  input?: string;
}

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The program ran longer than `timeoutMs` and was killed. */
export class ProcessTimeoutError extends Error {
  constructor(
    readonly program: string,
    readonly timeoutMs: number,
  ) {
    super(`${program} did not finish within ${formatMs(timeoutMs)} and was stopped`);
    this.name = 'ProcessTimeoutError';
  }
}

const formatMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Process groups still running, killed when this process exits so that nothing is left behind. */
const running = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // A negative pid addresses the whole group the detached child leads (grandchildren such as ssh included).
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs `file` with `args` (no shell). The child leads its own process group and session (so it also has no
 * terminal to prompt on); a timeout or abort kills that whole group. Rejects with ProcessTimeoutError on timeout,
 * with an AbortError on abort, and with the spawn error when the program cannot be started; a non-zero exit code
 * is returned, not thrown.
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, timeoutMs, maxOutputBytes = 512 * 1024 * 1024 } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => running.forEach((pid) => killGroup(pid)));
  }
  return new Promise<RunResult>((resolve, reject) => {
    // Loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
    const child = process.getBuiltinModule('node:child_process').spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    const finish = (error: Error | undefined, result?: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        killGroup(pid);
        reject(error);
      } else {
        resolve(result!);
      }
      if (pid !== undefined) running.delete(pid);
    };
    const onAbort = (): void => finish(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => finish(new ProcessTimeoutError(file, timeoutMs)), timeoutMs)
        : undefined;

    child.stdout!.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxOutputBytes) finish(new Error(`${file} wrote more than ${maxOutputBytes} bytes of output`));
      else out.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      errBytes += b.length;
      if (errBytes <= maxOutputBytes) err.push(b);
    });
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined); // a program that does not read its input
      child.stdin!.end(options.input);
    }
    child.on('error', (e) => finish(e));
    child.on('close', (code, sig) => {
      // Whatever the program left running in its group goes with it.
      killGroup(pid);
      finish(undefined, { code: code ?? (sig ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new Error('The operation was aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
}

/**
 * Refuses a value from project content that a program would read as an option (`--upload-pack=…`,
 * `--post-renderer=…`). `what` names the value ("git URL", "release name") for the error.
 */
export function rejectOptionLike(value: string, what: string): void {
  if (value.startsWith('-')) throw new Error(`invalid ${what} '${value}': it must not start with '-'`);
}
