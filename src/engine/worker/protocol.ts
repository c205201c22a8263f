/** The messages between the engine worker and its owner; every one is structured-clone safe. */

import type { EngineCommand, EngineRequest } from './request.js';

/** What starts the worker (its workerData). */
export interface WorkerStart {
  request: EngineRequest<EngineCommand>;
  /** Whether the owner answers confirm messages (deploy/prune/delete without --yes). */
  confirm: boolean;
  /** Compile the bundled Helm with V8's baseline compiler only (the CLI; see helm-wasm.ts, useWasmBaselineOnly). */
  wasmBaselineOnly?: boolean;
}

export interface ErrorData {
  name: string;
  message: string;
  /** What a cancelled command had done (CancelledError.partial). */
  partial?: unknown;
}

export type FromWorker =
  | { type: 'progress'; message: string }
  | { type: 'confirm'; id: number; subject: unknown }
  | { type: 'done'; output: unknown }
  | { type: 'failed'; error: ErrorData };

export type ToWorker =
  | { type: 'cancel' }
  | { type: 'confirmed'; id: number; answer: boolean }
  /** To a worker started ahead of time (workerData `{ spare: true }`): the command it runs. */
  | { type: 'start'; start: WorkerStart };
