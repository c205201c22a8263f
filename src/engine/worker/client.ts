/**
 * Runs engine commands in a worker thread with a memory limit (one fresh worker per command), so that a project
 * that loops or allocates without end can be stopped and never takes its host (the editor's extension host, the
 * CLI) down. Cancel asks the worker to stop; when it does not within the grace period (synchronous template code
 * cannot see the signal), it is terminated.
 */

import { Worker } from 'node:worker_threads';
import { CancelledError } from '../../util/errors.js';
import { DEFAULT_ENGINE_MEMORY_MB, type PrestartedWorker } from './prestart.js';
import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';
import type { EngineCommand, EngineHooks, EngineOutput, EngineRequest, EngineRunner } from './request.js';

/** How long a cancelled worker may take to stop by itself (and report what it applied) before it is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 500;

export interface WorkerEngineOptions {
  /** The bundled worker entry, dist/engine-worker.cjs. */
  workerFile: string;
  /** maxOldGenerationSizeMb of the worker; read per command when a function. */
  maxMemoryMb?: number | (() => number);
  cancelGraceMs?: number;
  /** Added to the out-of-memory error: where the limit is set (a setting, an environment variable). */
  memoryHint?: string;
  /**
   * Keep one worker started ahead of time (its bundle loaded) for the next command: the editor's analyses on save
   * then do not wait for a worker to start. Each command still gets a worker of its own.
   */
  spare?: boolean;
  /**
   * Commands whose worker is kept after it succeeded, for the next command of the same kind: the editor's
   * `analyze` keeps its incremental render cache (module state of the worker) from save to save. A worker that
   * ended its command by itself (done, failed, or stopped on cancel) is kept; one that is terminated (it did not stop
   * within the grace period, ran out of memory, or the engine was disposed) is not, and the next starts cold.
   */
  keepWarm?: (command: EngineCommand) => boolean;
  /** A worker already started with its bundle loading (the CLI's launcher): the first command's, if it fits. */
  prestarted?: PrestartedWorker;
  /**
   * Variables added to a worker's environment (settings the engine reads from it), read when a worker starts; a
   * spare or warm worker started with other values is not used.
   */
  env?: () => Record<string, string>;
  /** See WorkerStart.wasmBaselineOnly. */
  wasmBaselineOnly?: boolean;
}

export interface WorkerEngine extends EngineRunner {
  /** Terminates every worker still running (the extension is deactivated); their commands end as cancelled. */
  dispose(): void;
}

export function workerEngine(options: WorkerEngineOptions): WorkerEngine {
  const disposed = new AbortController();
  /** What a worker is started with (its memory limit and added variables): workers started otherwise are not reused. */
  const setupKey = (limit: number, env = options.env?.()) => `${limit}\0${JSON.stringify(env ?? {})}`;
  let spare: { worker: Worker; key: string } | undefined = options.prestarted && {
    worker: options.prestarted.worker,
    key: setupKey(options.prestarted.limit),
  };
  options.prestarted?.worker.on('exit', () => {
    if (spare?.worker === options.prestarted?.worker) spare = undefined;
  });
  const memoryLimit = () =>
    (typeof options.maxMemoryMb === 'function' ? options.maxMemoryMb() : options.maxMemoryMb) ||
    DEFAULT_ENGINE_MEMORY_MB;
  const startSpare = () => {
    if (!options.spare || disposed.signal.aborted) return;
    const limit = memoryLimit();
    const env = options.env?.();
    const worker = newWorker(options.workerFile, { spare: true }, limit, env);
    // An idle spare never keeps the process alive, and one that dies is simply replaced on the next command.
    worker.unref();
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (spare?.worker === worker) spare = undefined;
    });
    spare = { worker, key: setupKey(limit, env) };
  };
  const takeSpare = (): Worker | undefined => {
    const s = spare;
    spare = undefined;
    if (s && s.key !== setupKey(memoryLimit())) {
      void s.worker.terminate();
      return undefined;
    }
    s?.worker.ref();
    return s?.worker;
  };
  /** Idle workers kept warm, by command. */
  const warm = new Map<EngineCommand, { worker: Worker; key: string }>();
  const takeWarm = (command: EngineCommand): Worker | undefined => {
    const w = warm.get(command);
    warm.delete(command);
    if (w && w.key !== setupKey(memoryLimit())) {
      void w.worker.terminate();
      return undefined;
    }
    w?.worker.removeAllListeners();
    w?.worker.ref();
    return w?.worker;
  };
  const keep = (command: EngineCommand, worker: Worker, key: string) => {
    if (disposed.signal.aborted) return void worker.terminate();
    const old = warm.get(command);
    if (old) void old.worker.terminate();
    worker.removeAllListeners();
    worker.unref();
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (warm.get(command)?.worker === worker) warm.delete(command);
    });
    warm.set(command, { worker, key });
  };
  startSpare();
  return {
    run: (request, hooks) => {
      const reuse = options.keepWarm?.(request.command) ?? false;
      // The setup of the worker this command runs in: a kept or spare one matches it, a new one starts with it now.
      const key = setupKey(memoryLimit());
      const kept = reuse ? takeWarm(request.command) : undefined;
      const taken = kept ?? takeSpare();
      const result = runInWorker(
        request,
        hooks ?? {},
        options,
        disposed.signal,
        taken,
        reuse ? (worker) => keep(request.command, worker, key) : undefined,
      );
      if (!kept) startSpare();
      return result;
    },
    dispose: () => {
      disposed.abort();
      void spare?.worker.terminate();
      spare = undefined;
      for (const w of warm.values()) void w.worker.terminate();
      warm.clear();
    },
  };
}

function newWorker(workerFile: string, workerData: unknown, limit: number, env?: Record<string, string>): Worker {
  return new Worker(workerFile, {
    workerData,
    env: env && Object.keys(env).length > 0 ? { ...process.env, ...env } : process.env,
    resourceLimits: { maxOldGenerationSizeMb: limit },
    // The host's own flags (an extension host's inspector, loaders) are not for the worker.
    execArgv: [],
  });
}

function runInWorker<C extends EngineCommand>(
  request: EngineRequest<C>,
  hooks: EngineHooks<C>,
  options: WorkerEngineOptions,
  disposed: AbortSignal,
  spareWorker?: Worker,
  /** Takes the worker after a successful command instead of terminating it. */
  keep?: (worker: Worker) => void,
): Promise<EngineOutput<C>> {
  const { signal, progress } = hooks;
  const confirm = hooks.confirm as ((subject: unknown) => Promise<boolean>) | undefined;
  if (signal?.aborted || disposed.aborted) {
    void spareWorker?.terminate();
    return Promise.reject(new CancelledError(request.command));
  }
  const limit =
    (typeof options.maxMemoryMb === 'function' ? options.maxMemoryMb() : options.maxMemoryMb) ||
    DEFAULT_ENGINE_MEMORY_MB;
  const start: WorkerStart = { request, confirm: !!confirm, wasmBaselineOnly: options.wasmBaselineOnly };
  const worker = spareWorker ?? newWorker(options.workerFile, start, limit, options.env?.());
  if (spareWorker) {
    spareWorker.removeAllListeners();
    spareWorker.postMessage({ type: 'start', start } satisfies ToWorker);
  }

  return new Promise<EngineOutput<C>>((resolve, reject) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const send = (message: ToWorker) => {
      if (!settled) worker.postMessage(message);
    };
    const settle = (fn: () => void, ended = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      disposed.removeEventListener('abort', onDispose);
      fn();
      if (ended && keep) return keep(worker);
      // Whatever the worker still holds (sockets, timers) ends with it.
      void worker.terminate();
    };
    const onAbort = () => {
      send({ type: 'cancel' });
      graceTimer = setTimeout(
        () => settle(() => reject(new CancelledError(request.command))),
        options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS,
      );
    };
    const onDispose = () => settle(() => reject(new CancelledError(request.command)));
    signal?.addEventListener('abort', onAbort, { once: true });
    disposed.addEventListener('abort', onDispose, { once: true });

    worker.on('message', (m: FromWorker) => {
      if (settled) return;
      if (m.type === 'progress') progress?.(m.message);
      else if (m.type === 'confirm') {
        if (!confirm) return send({ type: 'confirmed', id: m.id, answer: false });
        confirm(m.subject).then(
          (answer) => send({ type: 'confirmed', id: m.id, answer }),
          (error: unknown) => settle(() => reject(error instanceof Error ? error : new Error(String(error)))),
        );
      } else if (m.type === 'done') settle(() => resolve(m.output as EngineOutput<C>), true);
      else if (m.type === 'failed') {
        const { name, message, partial } = m.error;
        if (name === 'CancelledError') return settle(() => reject(new CancelledError(request.command, partial)), true);
        const error = new Error(message);
        error.name = name;
        settle(() => reject(error), true);
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
        return settle(() =>
          reject(
            new Error(
              `${request.command} ran out of memory (the engine's limit is ${limit} MB) and was stopped: the project produces more data than that${options.memoryHint ? ` (${options.memoryHint})` : ''}`,
            ),
          ),
        );
      settle(() => reject(error));
    });
    worker.on('exit', (code) => {
      settle(() => reject(new Error(`${request.command}: the engine worker ended unexpectedly (exit code ${code})`)));
    });
  });
}
