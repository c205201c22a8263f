import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandContext } from '../../src/extension/commands/context.js';
import { inProcessEngine } from '../../src/engine/worker/request.js';
import { CancelledError, isCancellation, throwIfCancelled } from '../../src/util/errors.js';
import { installVscodeStub, progressControl, shown } from './stubs/vscode.js';

describe('one cancellation error', () => {
  it('recognises ours and what Node throws for an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    assert.ok(isCancellation(new CancelledError('x')));
    assert.ok(isCancellation(await new Promise((resolve) => resolve(controller.signal.reason))));
    assert.throws(
      () => controller.signal.throwIfAborted(),
      (e: unknown) => isCancellation(e),
    );
    assert.ok(!isCancellation(new Error('x failed')));
    assert.throws(() => throwIfCancelled(controller.signal, 'render p'), /^CancelledError: render p: cancelled$/);
    assert.doesNotThrow(() => throwIfCancelled(new AbortController().signal, 'render p'));
  });
});

describe('a push command (against a recording vscode stub)', () => {
  let dir: string;
  let kubeconfig: string | undefined;
  const log: string[] = [];
  const ctx = {
    output: { log: { info: (m: string) => log.push(`info ${m}`), error: (m: string) => log.push(`error ${m}`) } },
    // The engine in this thread: the worker's own tests (engine/worker.test.ts) cover the thread boundary.
    engine: inProcessEngine,
  } as unknown as CommandContext;

  before(() => {
    installVscodeStub();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-push-cancel-'));
    fs.writeFileSync(path.join(dir, '.kluctl.yaml'), 'discriminator: d\n');
    fs.writeFileSync(path.join(dir, 'deployment.yaml'), 'deployments: []\n');
    kubeconfig = process.env.KUBECONFIG;
    // No usable kubeconfig: a deploy that is not cancelled fails for want of a cluster.
    process.env.KUBECONFIG = path.join(dir, 'no-kubeconfig');
  });
  after(() => {
    if (kubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = kubeconfig;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    shown.length = 0;
    log.length = 0;
    progressControl.cancelled = false;
  });

  it('reports a failed Deploy as failed', async () => {
    const { pushCommand } = await import('../../src/extension/commands/pushCommands.js');
    assert.equal(await pushCommand(ctx, 'Deploy', { projectDir: dir, target: undefined }), undefined);
    assert.deepEqual(
      shown.map((s) => s.kind),
      ['error'],
    );
    assert.match(shown[0].message, /^Kluctl Deploy .* failed: .*needs a cluster/);
  });

  it('reports a cancelled Deploy as cancelled, not failed', async () => {
    const { pushCommand } = await import('../../src/extension/commands/pushCommands.js');
    progressControl.cancelled = true;
    const outcome = await pushCommand(ctx, 'Deploy', { projectDir: dir, target: undefined });
    assert.equal(outcome?.cancelled, true);
    assert.deepEqual(
      shown.map((s) => s.kind),
      ['info'],
    );
    assert.match(shown[0].message, /^Kluctl Deploy .* cancelled/);
    assert.ok(
      log.some((l) => l.endsWith(': cancelled')),
      log.join('\n'),
    );
  });
});
