import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { leftovers, liveChildProcesses, liveResources } from '../../harness/leaks.js';
import { requiredSuiteProblems, type SuiteNode } from '../../harness/required-suites.js';

/** The end-of-run checks of test/harness/mocha-hooks.ts must see what they claim to see. */
describe('end-of-run checks (test/harness)', () => {
  it('sees a listening server, a timer and a child process, and nothing once they are ended', async () => {
    // In a full run the shared cluster (ended by the root hook) is alive here: compare with what was there before.
    const before = await leftovers({ timeoutMs: 0, except: ['Timeout'] });
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const timer = setTimeout(() => undefined, 60_000);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const resources = liveResources();
      assert.ok(
        resources.some((r) => r.startsWith('Server listening on')),
        resources.join('\n'),
      );
      assert.ok(resources.includes('Timeout'), resources.join('\n'));
      assert.ok(
        resources.some((r) => r.includes(`pid ${child.pid}`)),
        resources.join('\n'),
      );
      if (process.platform === 'linux')
        assert.ok(
          liveChildProcesses().some((p) => p.startsWith(`pid ${child.pid}:`)),
          liveChildProcesses().join('\n'),
        );
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await new Promise((r) => server.close(r));
    }
    // What was there before may end meanwhile (a kluctl's Python child, a client socket): only what is new counts.
    const added = async () =>
      (await leftovers({ timeoutMs: 0, except: ['Timeout'] })).filter((r) => !before.includes(r));
    let left = await added();
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await added();
    }
    assert.deepEqual(left, []);
  });

  it('names a required suite that is missing or skipped', () => {
    const test = (title: string, state?: 'passed' | 'failed') => ({ title, state, isPending: () => !state });
    const root: SuiteNode = {
      title: '',
      tests: [],
      suites: [
        { title: 'real kube-apiserver @integration', tests: [test('starts', 'passed'), test('lists')], suites: [] },
      ],
    };
    assert.deepEqual(requiredSuiteProblems(root, new Set(['integration'])).slice(0, 2), [
      'required integration suite "real kube-apiserver @integration" skipped 1 test(s): lists',
      'required integration suite "real kluctl CLI and controller @integration" is missing',
    ]);
    assert.deepEqual(requiredSuiteProblems(root, new Set()), []);
  });
});
