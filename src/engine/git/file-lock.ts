/** A lock between processes sharing the cache dir (an editor and a CLI may update the same mirror at once). */

import * as fs from 'node:fs';

const STALE_MS = 10 * 60_000;
const WAIT_MS = 5 * 60_000;

/** Runs `fn` while holding `<lockPath>` (a directory: mkdir is atomic). A lock older than 10 minutes is taken over. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_MS) fs.rmSync(lockPath, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockPath}`, { cause: error });
      // timers/promises loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
      else await process.getBuiltinModule('node:timers/promises').setTimeout(200, undefined, { signal });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockPath, { recursive: true, force: true });
  }
}
