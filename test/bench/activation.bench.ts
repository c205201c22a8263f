import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import type { BenchRow } from './measure.js';
import { createTestWorkspace, ensureCodeServer, runExtensionTests } from '../vscode/driver.js';

/** The production bundle's size and its start-up cost inside a real VS Code (code-server 1.139). */
export async function benchActivation(): Promise<BenchRow[]> {
  ensureCodeServer();
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs'), '--production'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'test', 'vscode', 'build-exthost.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-activation-'));
  try {
    const resultsFile = path.join(dir, 'bench.json');
    await runExtensionTests({
      workspace: createTestWorkspace(path.join(dir, 'ws')),
      env: { KLUCTL_BENCH_RESULTS: resultsFile, EXT_TEST_GREP: 'benchmark' },
      artifactsDir: path.join(dir, 'artifacts'),
    });
    const measured = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as {
      loadMs: number;
      activateMs: number;
      bundleBytes: number;
    };
    const cli = fs.statSync(path.join(REPO_ROOT, 'dist', 'cli.cjs')).size;
    return [
      {
        area: 'extension',
        measure: 'extension bundle (minified)',
        ours: `${(measured.bundleBytes / 1024).toFixed(0)} KiB`,
      },
      {
        area: 'extension',
        measure: 'CLI bundle kluctl-ts (minified) vs the kluctl binary',
        kluctl: `${(fs.statSync(testBinaries('kluctl').kluctl).size / 1024 / 1024).toFixed(0)} MiB`,
        ours: `${(cli / 1024).toFixed(0)} KiB`,
      },
      {
        area: 'extension',
        measure: 'bundle load in the extension host (median of 5)',
        ours: `${measured.loadMs.toFixed(1)} ms`,
      },
      {
        area: 'extension',
        measure: 'activate() in VS Code 1.139 (no cluster contacted)',
        ours: `${measured.activateMs.toFixed(1)} ms`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
}
