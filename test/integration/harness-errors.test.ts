import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestCluster } from '../harness/cluster.js';
import { GitServer } from '../harness/git-server.js';
import { REPO_ROOT } from '../harness/paths.js';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'test', 'k8s-bins', 'build.sh');

function runBuild(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [BUILD_SCRIPT, ...args], { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

function listen(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('test harness failure modes', function () {
  this.timeout(120_000);
  let emptyCache: string;
  beforeEach(() => {
    emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-test-empty-cache-'));
  });
  afterEach(() => fs.rmSync(emptyCache, { recursive: true, force: true }));

  it('says so clearly when no Go toolchain is on PATH', async () => {
    const run = await runBuild(['etcd'], { ...process.env, PATH: '/usr/bin:/bin', KLUCTL_TESTBIN_CACHE: emptyCache });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no Go toolchain on PATH, needed to build etcd/);
  });

  it('reports a failed build with its log instead of hanging', async () => {
    const wrappers = path.join(emptyCache, 'wrappers');
    fs.mkdirSync(path.join(wrappers, 'etcd'), { recursive: true });
    fs.writeFileSync(path.join(wrappers, 'etcd', 'go.mod'), 'this is not a go.mod\n');
    const run = await runBuild(['etcd'], {
      ...process.env,
      KLUCTL_TESTBIN_CACHE: emptyCache,
      KLUCTL_TESTBIN_WRAPPERS: wrappers,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /building etcd v[\d.]+ failed \(full log: .*etcd-v[\d.]+\.build\.log\)/);
    assert.match(run.stderr, /go\.mod/, 'the Go error is quoted');
    assert.equal(fs.existsSync(path.join(emptyCache, 'etcd-v3.6.8', 'etcd')), false, 'no half-built binary is cached');
  });

  it('rejects an unknown tool by name', async () => {
    const run = await runBuild(['kubelet'], { ...process.env, KLUCTL_TESTBIN_CACHE: emptyCache });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown tool 'kubelet'/);
  });

  it('names the port when the API server port is taken', async () => {
    const blocker = await listen();
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      await assert.rejects(
        TestCluster.start({ apiserverPort: port, installCrd: false }),
        new RegExp(`port 127\\.0\\.0\\.1:${port} for kube-apiserver is already in use`),
      );
      assert.ok(Date.now() - started < 30_000, 'fails fast');
    } finally {
      blocker.close();
    }
  });

  it('names the port when the Git server port is taken', async () => {
    const blocker = await listen();
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        GitServer.start(path.join(emptyCache, 'git'), port),
        new RegExp(`git server: port 127\\.0\\.0\\.1:${port} is already in use`),
      );
    } finally {
      blocker.close();
    }
  });
});
