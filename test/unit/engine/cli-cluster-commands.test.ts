import * as assert from 'node:assert/strict';
import { runCli } from '../../../src/cli/run.js';
import { captureCli } from '../../harness/cli.js';
import { tempTree } from '../../harness/files.js';

const cli = (args: string[]) => captureCli((io) => runCli(args, io));

describe('kluctl-ts diff/deploy/prune/delete/validate: arguments', () => {
  it('lists the cluster commands in the help', async () => {
    const r = await cli(['--help']);
    for (const c of ['diff', 'deploy', 'prune', 'delete', 'validate'])
      assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  it("documents kluctl's flags per command", async () => {
    const deploy = await cli(['deploy', '--help']);
    assert.equal(deploy.code, 0);
    for (const f of [
      '--yes',
      '--dry-run',
      '--prune',
      '--no-wait',
      '--force-apply',
      '--replace-on-error',
      '--force-replace-on-error',
      '--abort-on-error',
      '--readiness-timeout',
      '--output',
      '--no-obfuscate',
      '--short-output',
    ]) {
      assert.ok(deploy.stdout.includes(f), f);
    }
  });

  it('rejects unknown flags and output formats with usage (exit 2)', async () => {
    const bad = await cli(['diff', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown flag --bogus/);
    const format = await cli(['deploy', '-o', 'xml']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /invalid output format xml/);
  });

  it('a bad duration and a project that fails to render are errors naming the cause (exit 1)', async () => {
    const dir = tempTree('cli-bad-', { '.kluctl.yaml': 'targets: [\n' });
    const duration = await cli(['deploy', '--readiness-timeout', 'soon', '--project-dir', dir]);
    assert.equal(duration.code, 1);
    assert.match(duration.stderr, /invalid duration "soon"/);
    const broken = await cli(['diff', '--project-dir', dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /kluctl-ts diff: .*\.kluctl\.yaml/);
  });
});
