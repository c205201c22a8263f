/**
 * The helper thread of a render (render/item-jobs.ts): a worker of the same bundle, nested in the engine worker,
 * with the engine worker's memory limit. It runs one batch of item jobs and is terminated when the render is done
 * with it (or cancelled).
 */

import { resourceLimits, Worker } from 'node:worker_threads';
import type { HelperResult, ItemHelper, ItemJobBatch } from '../render/item-jobs.js';

/** What starts a helper (its workerData). */
export const ITEM_HELPER = 'kluctl-ts.itemHelper';

export type ToHelper = { type: 'items'; batch: ItemJobBatch };
export type FromHelper = { type: 'items-done'; result: HelperResult } | { type: 'items-failed'; message: string };

/** A helper started from `workerFile`, or undefined when no thread can be started. */
export function startItemHelper(workerFile: string): ItemHelper | undefined {
  let worker: Worker;
  try {
    worker = new Worker(workerFile, {
      workerData: { [ITEM_HELPER]: true },
      resourceLimits: resourceLimits.maxOldGenerationSizeMb
        ? { maxOldGenerationSizeMb: resourceLimits.maxOldGenerationSizeMb }
        : undefined,
      execArgv: [],
    });
  } catch {
    return undefined;
  }
  worker.on('error', () => undefined);
  return {
    run: (batch) =>
      new Promise<HelperResult>((resolve, reject) => {
        worker.once('message', (m: FromHelper) =>
          m.type === 'items-done' ? resolve(m.result) : reject(new Error(m.message)),
        );
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the render's helper thread ended (exit code ${code})`)));
        worker.postMessage({ type: 'items', batch } satisfies ToHelper);
      }),
    dispose: () => void worker.terminate(),
  };
}
