import * as path from 'node:path';
import { workerEngine } from '../engine/worker/client.js';
import { ENGINE_MEMORY_ENV, takePrestartedWorker } from '../engine/worker/prestart.js';
import { runCli } from './run.js';

// Engine commands run in a memory-limited worker next to this bundle (dist/engine-worker.cjs): Ctrl-C stops even a
// template that loops synchronously, and a project that allocates without end is stopped with a clear error.
const engine = workerEngine({
  workerFile: path.join(__dirname, 'engine-worker.cjs'),
  maxMemoryMb: Number(process.env[ENGINE_MEMORY_ENV]) || undefined,
  memoryHint: `raise it with ${ENGINE_MEMORY_ENV}=<MB>`,
  // Started by dist/cli.cjs before it loaded this bundle (src/cli/launch.ts).
  prestarted: takePrestartedWorker(),
  // A CLI process renders few charts: see helm-wasm.ts, useWasmBaselineOnly.
  wasmBaselineOnly: !process.env.KLUCTL_TS_WASM_TIER_UP,
});

// Ctrl-C cancels the running command, which then reports what it did; a second Ctrl-C exits at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('kluctl-ts: cancelling (press Ctrl-C again to exit immediately)\n');
  controller.abort();
});

runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  { signal: controller.signal, engine },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`kluctl-ts: ${error.message}\n`);
    process.exitCode = 1;
  },
);
