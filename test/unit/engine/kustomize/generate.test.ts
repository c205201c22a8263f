import * as assert from 'node:assert/strict';
import { generateKustomization } from '../../../../src/engine/kustomize/generate.js';
import { KustomizeError } from '../../../../src/engine/errors.js';
import { tempTree } from '../../../harness/files.js';

function tree(files: Record<string, string>): string {
  return tempTree('kgen-', files);
}

describe("engine/kustomize: Kluctl's generated kustomization", () => {
  it('lists .yml/.yaml files by name, skips helm values and other files, ignores sub-directories', async () => {
    const dir = tree({
      'b.yaml': '',
      'A.YML': '',
      '.hidden.yaml': '',
      'helm-values.yaml': '',
      'notes.txt': '',
      'sub/c.yaml': '',
    });
    assert.deepEqual(await generateKustomization(dir, {}), { resources: ['.hidden.yaml', 'A.YML', 'b.yaml'] });
  });

  it("adds a helm chart's output when it is not rendered yet, once", async () => {
    const pending = tree({ 'helm-chart.yaml': 'helmChart:\n  chartName: x\n  output: out.yaml\n', 'deploy.yml': '' });
    assert.deepEqual(await generateKustomization(pending), { resources: ['deploy.yml', 'out.yaml'] });
    const rendered = tree({ 'helm-chart.yml': 'helmChart:\n  chartName: x\n', 'helm-rendered.yaml': '' });
    assert.deepEqual(await generateKustomization(rendered), { resources: ['helm-rendered.yaml'] });
  });

  it('walks sub-directories when recursive, refusing nested kustomizations', async () => {
    const dir = tree({ 'a.yaml': '', 'sub/b.yaml': '', 'sub/deeper/c.yml': '', 'z.yaml': '' });
    assert.deepEqual(await generateKustomization(dir, { recursive: true }), {
      resources: ['a.yaml', 'sub/b.yaml', 'sub/deeper/c.yml', 'z.yaml'],
    });
    const nested = tree({ 'a.yaml': '', 'sub/kustomization.yaml': 'resources: []\n' });
    await assert.rejects(generateKustomization(nested, { recursive: true }), KustomizeError);
    const own = tree({ 'kustomization.yml': 'resources: []\n' });
    await assert.rejects(generateKustomization(own, { recursive: true }), KustomizeError);
  });
});
