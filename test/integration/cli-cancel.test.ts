import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOOPING_PROJECT } from '../harness/engine-projects.js';
import { tempTree } from '../harness/files.js';
import { REPO_ROOT } from '../harness/paths.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From SIGINT to exit. */
  afterSigintMs: number;
}

/** Starts the shipped kluctl-ts, lets the engine loop for `ms`, sends SIGINT and waits for it to end (at most 15 s). */
async function interrupt(args: string[], ms: number): Promise<Exit & { pid: number }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.cjs'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, KUBECONFIG: path.join(REPO_ROOT, 'no-such-kubeconfig') },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    // 'close': the process has exited and its stderr is read to the end.
    child.once('close', (code, signal) => resolve([code, signal])),
  );
  await new Promise((r) => setTimeout(r, ms));
  assert.equal(child.exitCode, null, `still running before SIGINT; stderr: ${stderr}`);
  const sent = Date.now();
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code, signal] = await exited;
  clearTimeout(killer);
  return { code, signal, stderr, afterSigintMs: Date.now() - sent, pid: child.pid! };
}

/** kluctl-ts (dist/cli.cjs, the engine in dist/engine-worker.cjs) on a project whose template loops for ever. */
describe('kluctl-ts: Ctrl-C stops a template that loops for ever @integration', function () {
  this.timeout(300_000);
  let projectDir: string;

  before(function () {
    this.timeout(300_000);
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    projectDir = tempTree('kluctl-cli-cancel-', LOOPING_PROJECT);
  });
  after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  for (const [command, extra] of [
    ['render', ['--offline-kubernetes', '--print-all']],
    ['diff', []],
  ] as const) {
    it(`${command}: exits within a second or two of SIGINT with "cancelled" (130), leaving no process`, async () => {
      const r = await interrupt([command, '--project-dir', projectDir, ...extra], 2000);
      assert.equal(r.signal, null, `exited by itself, not killed; stderr: ${r.stderr}`);
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /kluctl-ts: cancelling \(press Ctrl-C again to exit immediately\)\n/);
      assert.match(r.stderr, new RegExp(`kluctl-ts ${command}: cancelled\\n$`));
      assert.doesNotMatch(r.stderr, /failed|Error/);
      assert.ok(r.afterSigintMs < 2000, `exited ${r.afterSigintMs} ms after SIGINT`);
      assert.throws(() => process.kill(r.pid, 0), /ESRCH/, 'the process is gone');
    });
  }
});
