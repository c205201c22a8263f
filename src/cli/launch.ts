/**
 * The start of dist/cli.cjs and dist/engine-worker.cjs: loads the real bundle next to it (`<name>-main.cjs`) with
 * V8's code cache, so that a second start does not compile the 2.7 MB bundle again. Node's own compile cache
 * (`module.enableCompileCache`, Node ≥ 22.1) is used where it exists; on older Node the cache is kept by hand
 * (vm.Script cachedData). The cache lives in $XDG_CACHE_HOME/kluctl-ts (or ~/.cache/kluctl-ts); any failure to read
 * or write it only means a slower start. KLUCTL_TS_NO_COMPILE_CACHE=1 turns it off.
 *
 * The CLI's engine commands run in a worker thread (dist/engine-worker.cjs) that loads a bundle of its own: for them
 * the worker is started first (prestartEngineWorker), so that it loads on the second core while this thread loads
 * the CLI, instead of after it.
 */

import * as buffer from 'node:buffer';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { isMainThread, Worker } from 'node:worker_threads';
import {
  DEFAULT_ENGINE_MEMORY_MB,
  ENGINE_MEMORY_ENV,
  PRESTARTED_WORKER,
  type PrestartedWorker,
} from '../engine/worker/prestart.js';

type NodeModule = typeof Module & {
  enableCompileCache?: (dir?: string) => unknown;
  wrap(source: string): string;
  _nodeModulePaths(dir: string): string[];
};

/** Node ≥ 18.15. */
const isAscii = (buffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii;

const target = __filename.replace(/\.cjs$/, '-main.cjs');
const requireTarget = () => void Module.createRequire(__filename)(target);

function cacheDir(): string | undefined {
  if (process.env.KLUCTL_TS_NO_COMPILE_CACHE) return undefined;
  const base = process.env.XDG_CACHE_HOME || (os.homedir() && path.join(os.homedir(), '.cache'));
  return base ? path.join(base, 'kluctl-ts', 'compile-cache') : undefined;
}

function load(): void {
  const M = Module as NodeModule;
  const dir = cacheDir();
  if (!dir) return requireTarget();
  if (typeof M.enableCompileCache === 'function') {
    try {
      M.enableCompileCache(dir);
    } catch {
      // no cache: a slower start
    }
    return requireTarget();
  }
  // Hashed as bytes: hashing the decoded string would encode its 4 MB to UTF-8 again (~15 ms per start).
  const bytes = fs.readFileSync(target);
  const key = createHash('sha1').update(`${process.version}\0${process.arch}\0`).update(bytes).digest('hex');
  // The bundle is ASCII (esbuild.mjs): decoded as Latin-1, a plain copy into a one-byte string.
  const source = isAscii?.(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = path.join(dir, `${path.basename(target)}-${key}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(M.wrap(source), {
    filename: target,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const m = new Module(target, module) as Module & { filename: string; paths: string[]; loaded: boolean };
  m.filename = target;
  m.paths = M._nodeModulePaths(path.dirname(target));
  const requireFn = Module.createRequire(target);
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  if (!cachedData || script.cachedDataRejected) {
    // After start-up (so the functions it compiled are in the cache); written whole or not at all.
    setImmediate(() => {
      try {
        fs.mkdirSync(dir, { recursive: true });
        // Caches of earlier versions of this bundle go.
        const prefix = `${path.basename(target)}-`;
        for (const old of fs.readdirSync(dir))
          if (old.startsWith(prefix)) fs.rmSync(path.join(dir, old), { force: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // no cache: a slower start next time
      }
    });
  }
  fn.call(m.exports, m.exports, requireFn, m, target, path.dirname(target));
  m.loaded = true;
}

/** The CLI commands that run in the engine worker. */
const ENGINE_COMMANDS = new Set([
  'render',
  'diff',
  'deploy',
  'prune',
  'delete',
  'validate',
  'list-targets',
  'list-images',
]);

function prestartEngineWorker(): void {
  if (!isMainThread || path.basename(target) !== 'cli-main.cjs' || !ENGINE_COMMANDS.has(process.argv[2] ?? '')) return;
  try {
    const limit = Number(process.env[ENGINE_MEMORY_ENV]) || DEFAULT_ENGINE_MEMORY_MB;
    const worker = new Worker(path.join(path.dirname(target), 'engine-worker.cjs'), {
      workerData: { spare: true },
      resourceLimits: { maxOldGenerationSizeMb: limit },
      execArgv: [],
    });
    // Like any spare: it never keeps the process alive, and one that fails is simply not used.
    worker.unref();
    worker.on('error', () => undefined);
    (globalThis as Record<symbol, PrestartedWorker>)[PRESTARTED_WORKER] = { worker, limit };
  } catch {
    // the CLI starts one itself
  }
}

prestartEngineWorker();
load();
