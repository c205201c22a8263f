/**
 * Entry of the engine worker (bundled to dist/engine-worker.cjs): runs the one command of its workerData and
 * reports progress, confirm questions and the outcome to its owner (see client.ts); a worker its owner keeps warm
 * (the editor's analyses, to keep their incremental render cache) then runs the next command it is sent. "cancel" aborts the
 * command's signal; a command stuck in synchronous code (a template that loops) is terminated by the owner.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { ErrorData, FromWorker, ToWorker, WorkerStart } from './protocol.js';
import { runEngineRequest } from './request.js';
import { useWasmBaselineOnly } from '../helm/helm-wasm.js';

const port = parentPort;
if (!port) throw new Error('engine-worker.cjs runs as a worker thread only');

/** The command in progress; a worker kept warm by its owner (keepWarm) runs the next one with a new controller. */
let controller = new AbortController();
const answers = new Map<number, (answer: boolean) => void>();
let nextId = 0;

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    controller.abort();
    // An open question is answered "no": nothing more is applied.
    for (const answer of answers.values()) answer(false);
    answers.clear();
  } else if (m.type === 'confirmed') {
    answers.get(m.id)?.(m.answer);
    answers.delete(m.id);
  } else if (m.type === 'start') {
    run(m.start);
  }
});

function post(message: FromWorker): void {
  try {
    port!.postMessage(message);
  } catch (error) {
    // A value the structured clone refuses (a function, a class with internals) goes as its JSON form.
    if ((error as Error).name !== 'DataCloneError') throw error;
    port!.postMessage(JSON.parse(JSON.stringify(message)) as FromWorker);
  }
}

function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const partial = (error as { partial?: unknown }).partial;
  return { name: error.name, message: error.message, ...(partial === undefined ? {} : { partial }) };
}

// A spare worker (started ahead of time, its bundle already loaded) waits for its command as a message.
if (!(workerData as { spare?: boolean }).spare) run(workerData as WorkerStart);

function run(start: WorkerStart): void {
  if (controller.signal.aborted) controller = new AbortController();
  if (start.wasmBaselineOnly) useWasmBaselineOnly();
  runEngineRequest(start.request, {
    signal: controller.signal,
    progress: (message) => post({ type: 'progress', message }),
    confirm: start.confirm
      ? (subject: unknown) =>
          new Promise<boolean>((resolve) => {
            if (controller.signal.aborted) return resolve(false);
            const id = nextId++;
            answers.set(id, resolve);
            post({ type: 'confirm', id, subject });
          })
      : undefined,
  }).then(
    (output) => post({ type: 'done', output }),
    (error: unknown) => post({ type: 'failed', error: errorData(error) }),
  );
}
