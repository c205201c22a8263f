/**
 * The start of dist/cli.cjs and dist/engine-worker.cjs: loads the real bundle next to it (`<name>-main.cjs`) with
 * V8's code cache, so that a second start does not compile the 2.7 MB bundle again. Node's own compile cache
 * (`module.enableCompileCache`, Node ≥ 22.1) is used where it exists; on older Node the cache is kept by hand
 * (vm.Script cachedData). The cache lives in $XDG_CACHE_HOME/kluctl-ts (or ~/.cache/kluctl-ts); any failure to read
 * or write it only means a slower start. KLUCTL_TS_NO_COMPILE_CACHE=1 turns it off.
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

type NodeModule = typeof Module & {
  enableCompileCache?: (dir?: string) => unknown;
  wrap(source: string): string;
  _nodeModulePaths(dir: string): string[];
};

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
  const source = fs.readFileSync(target, 'utf8');
  const key = createHash('sha1').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex');
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

load();
