import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { getDeployment } from '../../src/gitops/deploymentApi.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeClient } from '../../src/kube/client.js';
import { git } from '../harness/git-server.js';
import { publishSample, SAMPLE_DEPLOYMENTS, sampleRef, sampleUrl } from '../harness/main-job-sample.js';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import { isAlive, waitUntil } from '../harness/processes.js';
import { readSandbox, sandboxDown, type SandboxState } from '../harness/sandbox.js';
import { ensureCodeServer } from '../vscode/driver.js';
import { openKluctlView, screenshot } from '../vscode/ui.js';

const MAIN_JOB = path.join(REPO_ROOT, 'out', 'test', 'harness', 'main-job.js');

/** The main job's CLI as `npm start` runs it, on a sandbox dir of its own; output collected. */
class MainJobCli {
  output = '';
  exitCode: number | null | undefined;
  private readonly child: ChildProcess;

  constructor(dir: string) {
    this.child = spawn(process.execPath, [MAIN_JOB], {
      cwd: REPO_ROOT,
      env: { ...process.env, KLUCTL_SANDBOX_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.on('exit', (code, signal) => (this.exitCode = code ?? (signal ? 128 : null)));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The URL of the banner; fails with the output if the job exits first. */
  async url(timeoutMs: number): Promise<string> {
    return waitUntil(
      'npm start to print the VS Code URL',
      () => {
        if (this.exitCode !== undefined) throw new Error(`npm start exited with ${this.exitCode}:\n${this.output}`);
        return /VS Code:\s+(\S+)/.exec(this.output)?.[1];
      },
      { timeoutMs, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\noutput so far:\n${this.output}`);
    });
  }

  async interrupt(): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill('SIGINT');
    await waitUntil('npm start to stop after SIGINT', () => (this.exitCode !== undefined ? true : undefined), {
      timeoutMs: 90_000,
    });
    return this.exitCode ?? null;
  }
}

/** Processes whose command line or environment mentions `text` (the sandbox dir): everything the job started. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (cmdline.includes(text) || environ.includes(text))
        found.push(`${pid} ${cmdline.replace(/\0/g, ' ').slice(0, 120)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('npm start: sandbox, sample GitOps project and VS Code (the main job) @integration @vscode', function () {
  this.timeout(15 * 60_000);
  const dir = path.join(os.tmpdir(), `kluctl-test-main-job-${process.pid}`);
  let job: MainJobCli;
  let url: string;
  let state: SandboxState;
  let client: KubeClient;

  before(async function () {
    this.timeout(45 * 60_000); // a fresh machine builds the test binaries and installs code-server first
    testBinaries('etcd', 'kube-apiserver', 'kluctl');
    ensureCodeServer();
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: 'ignore' });
    job = new MainJobCli(dir);
    url = await job.url(10 * 60_000);
    state = readSandbox(dir)!;
    assert.ok(state, `sandbox state in ${dir}`);
    client = clientForContext(loadKubeConfig(state.kubeconfig), state.context);
  });

  after(async () => {
    if (job && job.exitCode === undefined) await job.interrupt().catch(() => undefined);
    await sandboxDown(dir); // leftovers of a failed run
  });

  it('deploys the sample through the real controller: gitops, app1 and app2 Ready for the pushed commit', async () => {
    const commit = git(state.dir, 'ls-remote', sampleUrl(state), 'refs/heads/main').split('\t')[0];
    for (const name of SAMPLE_DEPLOYMENTS) {
      const kd = await getDeployment(client, sampleRef(name));
      const ready = kd.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'True', `${name}: ${ready?.reason}: ${ready?.message}`);
      assert.equal(kd.status?.observedCommit, commit, `${name} deployed the pushed commit`);
      assert.equal(kd.spec.source?.git?.url, sampleUrl(state));
    }
    // The app KluctlDeployments were created by the GitOps deployment from gitops/clusters/sandbox.
    const app1 = await getDeployment(client, sampleRef('app1'));
    assert.equal(app1.spec.source?.git?.path, 'apps/app1');
    assert.equal(app1.metadata.labels?.['kluctl.io/discriminator'], 'gitops-sandbox');
    assert.match(job.output, /ready\s+KluctlDeployment kluctl-gitops\/gitops is Ready/);
  });

  it('the apps objects exist in the cluster, rendered with the args of their KluctlDeployments', async () => {
    const mapper = new ResourceMapper(client);
    const get = async (kind: string, namespace: string, name: string) =>
      (await getObject(client, mapper, { apiVersion: 'v1', kind, namespace, name })) as
        { data?: Record<string, string>; spec?: { clusterIP?: string } } | undefined;
    assert.deepEqual((await get('ConfigMap', 'app1', 'greeter'))?.data, {
      greeting: 'Hello from sandbox!',
      replies: '3',
    });
    assert.match(String((await get('Service', 'app1', 'greeter'))?.spec?.clusterIP), /^10\.0\.0\./);
    assert.equal((await get('ConfigMap', 'app2', 'inventory'))?.data?.cacheSeconds, '5');
    assert.ok(await get('Secret', 'app2', 'inventory-db'), 'Secret app2/inventory-db');
    assert.ok(await get('Service', 'app2', 'inventory'), 'Service app2/inventory');
  });

  it("the sample's workloads are Ready, their Pods scheduled on kwok's simulated nodes (kluctl waited for them)", async () => {
    type Workload = { status?: { replicas?: number; readyReplicas?: number } };
    type Pod = { metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } };
    const nodes = await client.requestJson<{ items: Array<{ metadata: { name: string; annotations?: object } }> }>({
      path: '/api/v1/nodes',
    });
    const simulated = nodes.items
      .filter((n) => (n.metadata.annotations as Record<string, string>)?.['kwok.x-k8s.io/node'] === 'fake')
      .map((n) => n.metadata.name);
    assert.ok(simulated.length > 0, 'the sandbox has kwok nodes');
    for (const [path, namespace, replicas] of [
      ['/apis/apps/v1/namespaces/app1/deployments/greeter', 'app1', 2],
      ['/apis/apps/v1/namespaces/app2/statefulsets/inventory', 'app2', 1],
    ] as const) {
      // The KluctlDeployments are Ready (previous test) and their items have waitReadiness: no polling needed.
      const workload = await client.requestJson<Workload>({ path });
      assert.equal(workload.status?.readyReplicas, replicas, `${path}: ${JSON.stringify(workload.status)}`);
      const pods = await client.requestJson<{ items: Pod[] }>({
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: { labelSelector: `app.kubernetes.io/name=${path.split('/').pop()}` },
      });
      assert.equal(pods.items.length, replicas);
      for (const pod of pods.items) {
        assert.ok(simulated.includes(pod.spec.nodeName ?? ''), `${pod.metadata.name} on a kwok node`);
        assert.equal(pod.status?.phase, 'Running', pod.metadata.name);
      }
    }
  });

  it('opens a clean clone of the sample, with settings pointing the extension at the sandbox', () => {
    const workspace = path.join(dir, 'sample-gitops');
    assert.equal(url, `http://127.0.0.1:${new URL(url).port}/?folder=${workspace}`);
    assert.equal(git(workspace, 'remote', 'get-url', 'origin').trim(), sampleUrl(state));
    assert.equal(git(workspace, 'status', '--porcelain'), '', 'no untracked .vscode/');
    // Default settings: the controller runs in its Pod, reached through pods/log and pods/portforward.
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8')), {
      'kluctl.kubeconfig': state.kubeconfig,
    });
    for (const scope of ['User', 'Machine']) {
      const settings = JSON.parse(
        fs.readFileSync(path.join(dir, 'vscode', 'user-data', scope, 'settings.json'), 'utf8'),
      ) as Record<string, unknown>;
      assert.equal(settings['kluctl.localSourceOverridePort'], undefined);
      assert.equal(settings['kluctl.controllerLogFile'], undefined);
    }
    const installed = fs.readdirSync(path.join(dir, 'vscode', 'extensions'));
    assert.ok(
      installed.some((e) => e.startsWith('kluctl-tools.kluctl-gitops-')),
      `installed from the .vsix: ${installed.join(', ')}`,
    );
  });

  it('serves VS Code on 127.0.0.1: the Kluctl view lists the three deployments, Diff with Local Source shows an uncommitted change', async () => {
    assert.equal((await fetch(url)).status, 200);
    const browser = await chromium.launch({
      executablePath: ensureCodeServer().chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url);
      await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
      // The sample's README opens as a Markdown preview (a webview). Once loaded it may take the focus, which closes
      // any open question: wait for it before the first click.
      await page
        .frameLocator('iframe.webview')
        .frameLocator('iframe#active-frame')
        .getByRole('heading', { name: 'sample-gitops' })
        .waitFor({ timeout: 120_000 });
      await openKluctlView(page);
      // Each row is labelled "<name> <namespace> · ● <path> · <commit>"; ● marks a deployment of this checkout.
      for (const name of SAMPLE_DEPLOYMENTS)
        await page
          .getByRole('treeitem', { name: new RegExp(`^${name} kluctl-gitops · ●`) })
          .waitFor({ timeout: 60_000 });
      console.log(`      screenshot: ${path.relative(REPO_ROOT, await screenshot(page, 'main-job.png'))}`);

      const file = path.join(dir, 'sample-gitops', 'apps', 'app1', 'greeter', 'configmap.yaml');
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace('greeting: Hello from', 'greeting: Uncommitted hello from'),
      );
      const app1 = page.getByRole('treeitem', { name: /^app1 / });
      const diffWithLocalSource = async () => {
        await app1.hover();
        await app1.locator('.action-label[aria-label="Diff with Local Source"]').click();
      };
      await diffWithLocalSource();
      // When the tree refreshes the row between the hover and the click (a status update of the watch), VS Code runs
      // the inline action without its row, and the command asks which deployment: app1 is picked there. Should the
      // question close unanswered (the focus moved), the command ends without a diff: the action is clicked again.
      const diffEditor = page.locator('.multiDiffEditor, .monaco-diff-editor').first();
      const picked = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'kluctl-gitops/app1' }).first();
      let lastClick = Date.now();
      for (const deadline = Date.now() + 90_000; !(await diffEditor.isVisible());) {
        if (Date.now() > deadline) throw new Error('Diff with Local Source opened no diff editor within 90 s');
        if (await picked.isVisible()) {
          console.log('      (the row was refreshed under the click: app1 picked from the question)');
          await picked.click({ timeout: 5000 }).catch(diffWithLocalSource);
          lastClick = Date.now();
        } else if (Date.now() - lastClick > 40_000) {
          console.log('      (no diff nor question 40 s after the last click: the action clicked again)');
          await diffWithLocalSource();
          lastClick = Date.now();
        }
        await page.waitForTimeout(250);
      }
      await page
        .getByText(/Uncommitted\s+hello\s+from\s+sandbox/)
        .first()
        .waitFor({ timeout: 30_000 });
      await page.mouse.move(800, 600);
      await page.waitForTimeout(1000);
      console.log(`      screenshot: ${path.relative(REPO_ROOT, await screenshot(page, 'main-job-diff.png'))}`);
    } catch (error) {
      for (const page of browser.contexts().flatMap((c) => c.pages()))
        await screenshot(page, 'main-job-failure.png').catch(() => undefined);
      throw error;
    } finally {
      await browser.close();
    }
  });

  it('is idempotent: a second npm start points at the running one, and an unchanged sample is not pushed again', async () => {
    const second = new MainJobCli(dir);
    await waitUntil('the second npm start to exit', () => (second.exitCode !== undefined ? true : undefined), {
      timeoutMs: 60_000,
    });
    assert.equal(second.exitCode, 0, second.output);
    assert.match(second.output, /already running/);
    assert.ok(second.output.includes(url), second.output);
    const before = git(state.dir, 'ls-remote', sampleUrl(state), 'refs/heads/main');
    const again = publishSample(state);
    assert.equal(again.changed, false);
    assert.equal(git(state.dir, 'ls-remote', sampleUrl(state), 'refs/heads/main'), before);
  });

  it('Ctrl-C stops code-server and every sandbox process by pid, and says so', async () => {
    const pids: Record<string, number> = { ...state.pids, ...readSandbox(dir)?.extraPids };
    assert.ok(pids.codeServer, 'code-server is recorded with the sandbox');
    assert.ok(processesMentioning(dir).length >= 5, 'the job has processes running');
    const code = await job.interrupt();
    assert.equal(code, 0, job.output);
    assert.match(job.output, /SIGINT: stopping/);
    assert.match(
      job.output,
      new RegExp(
        `stopped: code-server \\(pid ${pids.codeServer}\\), controller \\(pid ${pids.controller}\\), gitServer .*apiserver .*etcd`,
      ),
    );
    for (const [name, pid] of Object.entries(pids)) assert.ok(!isAlive(pid), `${name} (pid ${pid}) was stopped`);
    await waitUntil(
      'every process of the job to be gone',
      () => (processesMentioning(dir).length === 0 ? true : undefined),
      { timeoutMs: 15_000 },
    ).catch(() => {
      assert.deepEqual(processesMentioning(dir), [], 'processes left behind');
    });
    assert.equal(fs.existsSync(dir), false, 'the sandbox dir is removed');
  });
});
