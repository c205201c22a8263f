import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempTree } from '../harness/files.js';
import { REPO_ROOT } from '../harness/paths.js';

/** Running, and not a zombie left for an init process that does not reap. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * `kluctl-ts diff` (the compiled CLI, as a user runs it) against a kubeconfig whose user has an exec credential
 * plugin that never answers: the CLI must end on its own with a clear timeout error and leave no process behind.
 */
describe('kluctl-ts CLI: an exec credential plugin that never answers', function () {
  this.timeout(120_000);

  it('ends with a timeout error naming the context, and the plugin (and its children) are gone', async () => {
    const dir = tempTree('cli-exec-plugin-', {
      'project/deployment.yaml': 'deployments:\n  - path: app\n',
      'project/app/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  a: b\n',
    });
    const pidFile = path.join(dir, 'plugin.pid');
    const childFile = path.join(dir, 'child.pid');
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(plugin, `#!/bin/sh\necho $$ > ${pidFile}\nsleep 100000 &\necho $! > ${childFile}\nwait\n`, {
      mode: 0o755,
    });
    const kubeconfig = path.join(dir, 'kubeconfig');
    // Nothing listens on the server address: the plugin runs before any connection is made.
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: c',
        '    cluster:',
        '      server: https://127.0.0.1:9',
        'users:',
        '  - name: u',
        '    user:',
        '      exec:',
        '        apiVersion: client.authentication.k8s.io/v1',
        `        command: ${plugin}`,
        'contexts:',
        '  - name: ctx',
        '    context:',
        '      cluster: c',
        '      user: u',
        'current-context: ctx',
        '',
      ].join('\n'),
    );

    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        // The shipped CLI (npm test builds it first): the engine, and so the plugin, runs in its worker thread.
        path.join(REPO_ROOT, 'dist', 'cli.cjs'),
        'diff',
        '--project-dir',
        path.join(dir, 'project'),
        '--kubeconfig',
        kubeconfig,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    const elapsed = Date.now() - started;

    try {
      assert.notEqual(code, 0, `exit code; stdout: ${stdout}`);
      assert.notEqual(code, null, 'the CLI had to be killed');
      assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
      assert.match(stderr, /credentials of context "ctx" were not available within \d+s .*exec plugin did not answer/);
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
      const pids = [pidFile, childFile].map((f) => Number(fs.readFileSync(f, 'utf8')));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        pids.map((p) => [p, alive(p)]),
        pids.map((p) => [p, false]),
      );
    } finally {
      for (const f of [pidFile, childFile]) {
        const pid = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0;
        if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
