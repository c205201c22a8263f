import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KluctlExtensionApi } from '../../../src/extension/main.js';

/**
 * Measures the extension's start-up cost inside VS Code for `npm run bench` (only when KLUCTL_BENCH_RESULTS names
 * the file to write): loading the bundle (evaluated again here, outside the host's cache) and activate().
 */
describe('benchmark: activation', function () {
  this.timeout(60_000);

  it('measures bundle load and activate()', async function () {
    const out = process.env.KLUCTL_BENCH_RESULTS;
    if (!out) this.skip();
    const extension = vscode.extensions.getExtension<KluctlExtensionApi>('kluctl-tools.kluctl-gitops');
    assert.ok(extension);
    const api = await extension.activate();
    const bundle = path.join(extension.extensionPath, 'dist', 'extension.cjs');
    const loads: number[] = [];
    for (let i = 0; i < 5; i++) {
      delete require.cache[require.resolve(bundle)];
      const started = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- measures loading the CommonJS bundle as VS Code does
      require(bundle);
      loads.push(performance.now() - started);
    }
    loads.sort((a, b) => a - b);
    fs.writeFileSync(
      out,
      JSON.stringify({ loadMs: loads[2], activateMs: api.activationMs, bundleBytes: fs.statSync(bundle).size }),
    );
  });
});
