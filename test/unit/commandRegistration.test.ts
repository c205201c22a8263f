import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandContext } from '../../src/extension/commands/context.js';
import { Commands, ContextKeys } from '../../src/extension/ids.js';
import { REPO_ROOT } from '../harness/paths.js';
import { executed, installVscodeStub, registered } from './stubs/vscode.js';

interface Manifest {
  contributes: { commands: Array<{ command: string }> };
}

describe('command registration (against a recording vscode stub)', () => {
  before(() => installVscodeStub());
  afterEach(() => {
    registered.clear();
    executed.length = 0;
  });

  it('registers exactly the commands package.json declares, each once', async () => {
    const { registerCommands } = await import('../../src/extension/commands/index.js');
    const disposables = registerCommands({} as CommandContext);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...registered.keys()].sort(), declared);
    assert.deepEqual(declared, Object.values(Commands).sort());
    assert.equal(disposables.length, declared.length);
    for (const d of disposables) d.dispose();
    assert.equal(registered.size, 0, 'every registration is disposed with its Disposable');
  });

  it('wires an id to its implementation', async () => {
    const { registerCommands } = await import('../../src/extension/commands/index.js');
    let shown = 0;
    let rescanned = 0;
    let reloaded = 0;
    registerCommands({
      output: { show: () => shown++ },
      projects: { rescan: () => rescanned++ },
      clusters: { reload: () => reloaded++ },
    } as unknown as CommandContext);
    await registered.get(Commands.showOutput)!();
    await registered.get(Commands.refresh)!();
    assert.deepEqual({ shown, rescanned, reloaded }, { shown: 1, rescanned: 1, reloaded: 1 });
  });

  it('signalOf aborts with the token and disposes its listener when it fires', async () => {
    const { signalOf } = await import('../../src/extension/commands/context.js');
    let fire: (() => void) | undefined;
    let disposed = 0;
    const token = {
      isCancellationRequested: false,
      onCancellationRequested: (listener: () => void) => {
        fire = listener;
        return { dispose: () => disposed++ };
      },
    };
    const signal = signalOf(token as never);
    assert.equal(signal.aborted, false);
    fire!();
    assert.equal(signal.aborted, true);
    assert.equal(disposed, 1);
    const already = signalOf({ isCancellationRequested: true, onCancellationRequested: () => assert.fail() });
    assert.equal(already.aborted, true);
  });

  it('sets a context key only when its value changes', async () => {
    const { ContextKeySetter } = await import('../../src/extension/contextKeys.js');
    const keys = new ContextKeySetter();
    await keys.set(ContextKeys.noKubeconfig, true);
    await keys.set(ContextKeys.noKubeconfig, true);
    await keys.set(ContextKeys.noKubeconfig, false);
    await keys.set(ContextKeys.hasMatchingDeployment, false);
    assert.deepEqual(executed, [
      ['setContext', ContextKeys.noKubeconfig, true],
      ['setContext', ContextKeys.noKubeconfig, false],
      ['setContext', ContextKeys.hasMatchingDeployment, false],
    ]);
  });
});
