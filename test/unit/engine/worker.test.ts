import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inProcessEngine, type EngineRunner } from '../../../src/engine/worker/request.js';
import { workerEngine } from '../../../src/engine/worker/client.js';
import { isCancelled } from '../../../src/util/errors.js';
import { buildEngineWorker, LOOPING_PROJECT, SMALL_PROJECT } from '../../harness/engine-projects.js';
import { tempTree } from '../../harness/files.js';

/**
 * The engine in its worker thread (the extension and kluctl-ts run every engine command there): the same output as in
 * this thread, cancel that stops a template looping synchronously, and a memory limit that ends the worker, not us.
 */
describe('engine worker (isolation)', function () {
  this.timeout(120_000);
  let dir: string;
  let workerFile: string;
  let engine: EngineRunner;
  const projects: string[] = [];
  const project = (files: Record<string, string>) => {
    const p = tempTree('kluctl-worker-', files);
    projects.push(p);
    return p;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-worker-build-'));
    workerFile = await buildEngineWorker(path.join(dir, 'engine-worker.cjs'));
    engine = workerEngine({ workerFile });
  });
  after(() => {
    for (const p of [dir, ...projects]) fs.rmSync(p, { recursive: true, force: true });
  });

  it('renders in the worker exactly what the engine renders in this thread', async () => {
    const projectDir = project(SMALL_PROJECT);
    const request = { command: 'render' as const, options: { projectDir, offline: true }, print: true };
    const inWorker = await engine.run(request);
    assert.equal(inWorker.printed, (await inProcessEngine.run(request)).printed);
    assert.match(inWorker.printed ?? '', /x: "42"/);
  });

  it('reports an engine error with its message and name', async () => {
    const projectDir = project({ 'deployment.yaml': 'deployments:\n  - path: missing\n' });
    const request = { command: 'render' as const, options: { projectDir, offline: true } };
    const expected = await inProcessEngine.run(request).then(
      () => assert.fail('the in-process render should fail'),
      (e: Error) => e,
    );
    await assert.rejects(engine.run(request), (e: Error) => e.message === expected.message && e.name === expected.name);
  });

  it('cancels a template that loops for ever within a second, and this thread stays responsive meanwhile', async () => {
    const projectDir = project(LOOPING_PROJECT);
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    setTimeout(() => controller.abort(), 1500);
    try {
      const error = await engine
        .run({ command: 'render', options: { projectDir, offline: true } }, { signal: controller.signal })
        .then(
          () => assert.fail('a render that loops for ever cannot succeed'),
          (e: unknown) => e,
        );
      const stoppedAfterCancel = Date.now() - started - 1500;
      assert.ok(isCancelled(error), `cancelled, not failed: ${String(error)}`);
      assert.equal((error as Error).message, 'render: cancelled');
      assert.ok(stoppedAfterCancel < 1000, `stopped ${stoppedAfterCancel} ms after cancel`);
      // 1.5 s of looping template: this thread ran its timers all along (a render in this thread would have 0).
      assert.ok(ticks >= 25, `${ticks} timer ticks while the template looped`);
    } finally {
      clearInterval(ticker);
    }
  });

  it('dispose() (the extension deactivates) terminates running workers; their commands end as cancelled', async () => {
    const own = workerEngine({ workerFile });
    const running = own.run({ command: 'render', options: { projectDir: project(LOOPING_PROJECT), offline: true } });
    await new Promise((r) => setTimeout(r, 1000));
    const disposedAt = Date.now();
    own.dispose();
    await assert.rejects(running, (e: unknown) => isCancelled(e));
    assert.ok(Date.now() - disposedAt < 1000);
    await assert.rejects(
      own.run({ command: 'render', options: { projectDir: project(SMALL_PROJECT), offline: true } }),
      (e: unknown) => isCancelled(e),
      'a disposed engine starts nothing',
    );
  });

  it('a command cancelled before it starts never starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const projectDir = project(SMALL_PROJECT);
    await assert.rejects(
      engine.run({ command: 'render', options: { projectDir, offline: true } }, { signal: controller.signal }),
      (e: unknown) => isCancelled(e),
    );
  });

  it("a worker gets the variables of `env` (the extension's engine settings); a spare started with others is not used", async () => {
    const projectDir = project({
      'deployment.yaml':
        'vars:\n  - systemEnvVars:\n      marker: KLUCTL_TS_WORKER_TEST_MARKER\ndeployments:\n  - path: app\n',
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  marker: "{{ marker }}"\n',
    });
    let marker = 'first';
    const own = workerEngine({ workerFile, spare: true, env: () => ({ KLUCTL_TS_WORKER_TEST_MARKER: marker }) });
    try {
      const request = { command: 'render' as const, options: { projectDir, offline: true }, print: true };
      assert.match((await own.run(request)).printed ?? '', /marker: first/);
      // The spare started for the next command has "first": the setting changed, so a new worker runs it.
      marker = 'second';
      assert.match((await own.run(request)).printed ?? '', /marker: second/);
      assert.equal(process.env.KLUCTL_TS_WORKER_TEST_MARKER, undefined, 'this thread’s environment is unchanged');
    } finally {
      own.dispose();
    }
  });

  it('stops a worker that exceeds its memory limit with a clear error; this thread is unharmed', async () => {
    // A stand-in worker that allocates without end (what an alias bomb or a runaway template does).
    const hog = path.join(dir, 'hog.cjs');
    fs.writeFileSync(hog, 'const keep = []; for (;;) keep.push(new Array(1e5).fill({ a: keep.length }));\n');
    const limited = workerEngine({ workerFile: hog, maxMemoryMb: 64, memoryHint: 'raise it with X' });
    const before = process.memoryUsage().heapUsed;
    await assert.rejects(
      limited.run({ command: 'render', options: { projectDir: dir } }),
      /^Error: render ran out of memory \(the engine's limit is 64 MB\) and was stopped: .*\(raise it with X\)$/,
    );
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'the memory was the worker’s, not ours');
    // And the engine still works afterwards.
    const again = await engine.run({
      command: 'render',
      options: { projectDir: project(SMALL_PROJECT), offline: true },
      print: true,
    });
    assert.match(again.printed ?? '', /x: "42"/);
  });
});
