import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { REPO_ROOT } from '../harness/paths.js';
import { isAlive } from '../harness/processes.js';
import { readSandbox } from '../harness/sandbox.js';

const CLI = path.join(REPO_ROOT, 'out', 'test', 'harness', 'sandbox-cli.js');

function sandboxCli(command: string, dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, command],
      { env: { ...process.env, KLUCTL_SANDBOX_DIR: dir }, timeout: 180_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sandbox (npm run sandbox:up / sandbox:down) @integration', function () {
  this.timeout(300_000);
  const dir = path.join(os.tmpdir(), `kluctl-test-sandbox-${process.pid}`);
  after(async () => {
    await sandboxCli('down', dir);
  });

  it('starts cluster, Git server and controller as background processes and stops them by pid', async () => {
    const up = await sandboxCli('up', dir);
    assert.equal(up.code, 0, up.stderr);
    const kubeconfigLine = up.stdout.split('\n').find((l) => l.startsWith('KUBECONFIG='));
    assert.ok(kubeconfigLine, `prints KUBECONFIG=...: ${up.stdout}`);
    const state = readSandbox(dir);
    assert.ok(state);
    assert.equal(kubeconfigLine, `KUBECONFIG=${state.kubeconfig}`);

    // The processes outlived the command that started them.
    for (const [name, pid] of Object.entries(state.pids)) assert.ok(isAlive(pid), `${name} is running`);
    const client = clientForContext(loadKubeConfig(state.kubeconfig));
    const namespaces = await client.requestJson<{ items: Array<{ metadata: { name: string } }> }>({
      path: '/api/v1/namespaces',
    });
    assert.ok(
      namespaces.items.some((n) => n.metadata.name === 'kluctl-system'),
      'the controller namespace exists',
    );
    assert.ok(
      (await fetch(`${state.gitBaseUrl}/none.git/info/refs?service=git-upload-pack`)).status >= 400,
      'the Git server answers',
    );
    assert.match(fs.readFileSync(state.controllerLog, 'utf8'), /Starting workers/);

    const again = await sandboxCli('up', dir);
    assert.match(again.stdout, /sandbox already running/);

    const down = await sandboxCli('down', dir);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /sandbox stopped: controller .*gitServer .*apiserver .*etcd/);
    for (const [name, pid] of Object.entries(state.pids)) assert.ok(!isAlive(pid), `${name} was stopped`);
    assert.equal(fs.existsSync(dir), false, 'the sandbox directory is removed');
  });
});
